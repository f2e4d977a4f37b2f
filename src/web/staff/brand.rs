//! The organisation's brand, for admins: its name, an accent colour (refused unless it is
//! readable) and custom CSS. Saving makes every page follow at once on this instance, within
//! seconds on the others, and refreshes every cached copy of the wall.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{audited, page_with_status};
use crate::app::AppState;
use crate::domain::brand::{self, Colour};
use crate::error::{AppError, FieldError};
use crate::store::brand::BrandSettings;
use crate::web::extract::{Admin, CsrfForm, Viewer};
use crate::web::forms;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct BrandForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    accent_colour: String,
    #[serde(default)]
    custom_css: String,
}

crate::csrf_field!(BrandForm);

impl From<&BrandSettings> for BrandForm {
    fn from(s: &BrandSettings) -> Self {
        Self {
            csrf: String::new(),
            org_name: s.name.clone(),
            accent_colour: s.accent.map(|c| c.to_string()).unwrap_or_default(),
            custom_css: s.custom_css.clone(),
        }
    }
}

impl BrandForm {
    /// The settings to store, or every field's problem. Empty fields mean Heard's own.
    fn parse(&self) -> Result<BrandSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut field = |name: &str, r: Result<String, crate::domain::Invalid>| {
            r.unwrap_or_else(|e| {
                errors.push(FieldError::new(name, e.0));
                String::new()
            })
        };
        let name = match self.org_name.trim() {
            "" => String::new(),
            text => field("org_name", brand::org_name(text)),
        };
        let custom_css = field("custom_css", brand::custom_css(&self.custom_css));
        let accent = match self.accent_colour.trim() {
            "" => None,
            text => match Colour::parse(text).and_then(Colour::check_accent) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(FieldError::new("accent_colour", e.0));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(BrandSettings {
                name,
                accent,
                custom_css,
                logo: None,
            })
        } else {
            Err(errors)
        }
    }
}

fn render(
    viewer: &Viewer,
    form: &BrandForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let mut ctx = tera::Context::new();
    ctx.insert("values", form);
    forms::insert_errors(&mut ctx, errors);
    page_with_status("staff/brand.html", ctx, viewer, "brand", status)
}

pub async fn show(state: web::Data<AppState>, viewer: Admin) -> Result<HttpResponse, AppError> {
    let (settings, _) = state.brand.get(&state.pool).await?;
    render(&viewer, &BrandForm::from(&*settings), &[], StatusCode::OK)
}

/// The token and the role are both checked before this runs.
pub async fn update(
    state: web::Data<AppState>,
    form: CsrfForm<BrandForm>,
    viewer: Admin,
) -> Result<HttpResponse, AppError> {
    let chosen = match form.parse() {
        Ok(chosen) => chosen,
        Err(errors) => {
            return render(&viewer, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let detail = format!(
        "name={:?} accent={} css_bytes={}",
        chosen.name,
        chosen.accent.map(|c| c.to_string()).unwrap_or_default(),
        chosen.custom_css.len()
    );
    audited(&state, &viewer, "brand.update", detail, move |c| {
        chosen.save(c)?;
        // Every cached copy of the wall was drawn with the old brand.
        crate::store::wall::bump(c)?;
        Ok(())
    })
    .await?;
    state.brand.forget();
    Ok(super::done::see_other(
        "/staff/brand",
        super::done::Done::Saved,
    ))
}

/// `POST /staff/brand/logo` (multipart: `csrf`, `file`): a PNG or JPEG, drawn again as PNG.
pub async fn upload_logo(
    state: web::Data<AppState>,
    viewer: Admin,
    parts: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let too_big = "That picture is too large: up to 5 MB, please.";
    let upload = crate::web::uploads::read(parts, crate::pictures::UPLOAD_LIMIT, too_big).await?;
    viewer.check_csrf(&state, upload.field("csrf"))?;
    let drawn = web::block(move || crate::pictures::logo(&upload.file)).await?;
    let logo = match drawn {
        Ok(logo) => logo,
        Err(e) => {
            let (settings, _) = state.brand.get(&state.pool).await?;
            let errors = [FieldError::new("file", e.0)];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&viewer, &BrandForm::from(&*settings), &errors, status);
        }
    };
    audited(&state, &viewer, "brand.logo", String::new(), move |c| {
        Ok(crate::store::pictures::set_logo(c, Some(&logo))?)
    })
    .await?;
    state.brand.forget();
    Ok(super::done::see_other(
        "/staff/brand",
        super::done::Done::LogoSaved,
    ))
}

/// `POST /staff/brand/logo/remove`.
pub async fn remove_logo(
    state: web::Data<AppState>,
    viewer: Admin,
    _form: CsrfForm<crate::web::extract::CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    audited(&state, &viewer, "brand.logo_removed", String::new(), |c| {
        Ok(crate::store::pictures::set_logo(c, None)?)
    })
    .await?;
    state.brand.forget();
    Ok(super::done::see_other(
        "/staff/brand",
        super::done::Done::LogoRemoved,
    ))
}
