//! `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the handlers and types.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{feedback, reps, stories};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Heard API",
        version = "1",
        description = "Send thank-you notes and complaints to the rep who helped, and read the public wall of recognition."
    ),
    paths(feedback::create, reps::search, stories::list, stories::one),
    components(schemas(
        feedback::NewFeedback,
        feedback::CustomerIn,
        feedback::ConsentIn,
        feedback::FeedbackCreated,
        feedback::FeedbackRepeated,
        feedback::Problem,
        feedback::FieldProblem,
        feedback::Kind,
        feedback::DisplayAs,
        feedback::Channel,
        feedback::NoteStatus,
        reps::Rep,
        reps::RepList,
        stories::Story,
        stories::StoryRep,
        stories::StoryList,
    )),
    tags(
        (name = "feedback", description = "Customers' notes"),
        (name = "reps", description = "Finding the person to thank"),
        (name = "stories", description = "The public wall of recognition"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
