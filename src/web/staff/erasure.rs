//! Erasure by customer email, for admins acting on a customer's request: every note from
//! that address loses its words, name and email everywhere (notes, stories, emails). The
//! audit log records that an erasure happened and how many notes — never the address.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{audited, page_with_status};
use crate::app::AppState;
use crate::db;
use crate::domain::Email;
use crate::error::{AppError, FieldError};
use crate::store::receipts;
use crate::web::extract::{Admin, CsrfForm, Viewer};
use crate::web::forms;

#[derive(Debug, Default, Deserialize)]
pub struct ErasureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    /// Empty on the first step (count what would go), "yes" to erase.
    #[serde(default)]
    confirm: String,
}

crate::csrf_field!(ErasureForm);

fn render(
    viewer: &Viewer,
    email: &str,
    found: Option<i64>,
    erased: Option<usize>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("email", email);
    ctx.insert("found", &found);
    ctx.insert("erased", &erased);
    forms::insert_errors(&mut ctx, errors);
    page_with_status("staff/erasure.html", ctx, viewer, "erasure", status)
}

pub async fn show(viewer: Admin) -> Result<HttpResponse, AppError> {
    render(&viewer, "", None, None, &[], StatusCode::OK)
}

/// The token and the role are both checked before this runs.
pub async fn submit(
    state: web::Data<AppState>,
    form: CsrfForm<ErasureForm>,
    viewer: Admin,
) -> Result<HttpResponse, AppError> {
    let email = match Email::parse(&form.email) {
        Ok(e) => e,
        Err(e) => {
            let errors = [FieldError::new("email", e.0)];
            return render(
                &viewer,
                &form.email,
                None,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let address = email.to_string();
    if form.confirm != "yes" {
        let lookup = address.clone();
        let found = db::run(&state.pool, move |c| {
            Ok(receipts::count_by_email(c, &lookup)?)
        })
        .await?;
        return render(&viewer, &address, Some(found), None, &[], StatusCode::OK);
    }
    let target = address.clone();
    let (erased, scrubbed) = audited(&state, &viewer, "customer.erase", String::new(), move |c| {
        Ok(receipts::erase_by_email(c, &target)?)
    })
    .await?;
    crate::web::remove_eml_files(&state, scrubbed).await?;
    render(&viewer, "", None, Some(erased), &[], StatusCode::OK)
}
