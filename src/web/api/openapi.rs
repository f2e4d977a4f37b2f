//! `GET /api/openapi.json`: the OpenAPI 3.1 document, generated from the handlers and types.
//! The list of operations below is the API's only one: the router serves each handler at the
//! path and method its `#[utoipa::path]` documents.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use super::{notes, reps, stories};
use crate::web::routes::ApiRoutes;

/// Declares the API document `$name` with the handlers it lists, and `$name::serve`, which
/// hands the same handlers to the router under their operation ids (their names).
macro_rules! api_document {
    ($(#[$attr:meta])* pub struct $name:ident; operations: $($module:ident::$handler:ident),+ $(,)?) => {
        #[derive(OpenApi)]
        $(#[$attr])*
        #[openapi(paths($($module::$handler),+))]
        pub struct $name;

        impl $name {
            pub fn serve(routes: &mut ApiRoutes) {
                $(routes.serve(stringify!($handler), $module::$handler);)+
            }
        }
    };
}

api_document! {
#[openapi(
    info(
        title = "Heard API",
        version = "1",
        description = "Send thank-you notes and complaints to the rep who helped, and read the public wall of recognition."
    ),
    components(schemas(
        notes::NewNote,
        notes::CustomerIn,
        notes::ConsentIn,
        notes::NoteCreated,
        notes::NoteRepeated,
        notes::Problem,
        notes::FieldProblem,
        notes::Kind,
        notes::DisplayAs,
        notes::Channel,
        notes::NoteStatus,
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
operations: notes::create, reps::search, stories::list, stories::one
}

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
