//! `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the handlers and types.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{feedback, reps};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Heard API",
        version = "1",
        description = "Send thank-you notes and complaints to the rep who helped, and read the public wall of recognition."
    ),
    paths(feedback::create, reps::search),
    components(schemas(
        feedback::NewFeedback,
        feedback::CustomerIn,
        feedback::ConsentIn,
        feedback::FeedbackCreated,
        feedback::Problem,
        feedback::FieldProblem,
        reps::Rep,
        reps::RepList,
    )),
    tags(
        (name = "feedback", description = "Customers' notes"),
        (name = "reps", description = "Finding the person to thank"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
