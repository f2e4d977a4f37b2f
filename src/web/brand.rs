//! The brand on every page: [`BrandCache`] keeps what the admin set (read again every few
//! seconds, so every instance follows a change), [`with_brand`] makes it the current
//! request's (`templates::with_brand`), and `templates::render` gives it to every template as `brand`. The accent and
//! custom CSS are served as one stylesheet from Heard's own origin, named by its hash.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::app::AppState;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::store::brand::{Brand, BrandSettings};

/// How long an instance trusts its copy before reading the settings again.
const FRESH_FOR: Duration = Duration::from_secs(5);

struct Cached {
    read_at: Instant,
    settings: Arc<BrandSettings>,
    brand: Arc<Brand>,
}

/// The brand settings as last read from the database.
#[derive(Default)]
pub struct BrandCache {
    cached: RwLock<Option<Cached>>,
}

impl BrandCache {
    /// The settings and the brand, read again when older than a few seconds.
    pub async fn get(&self, pool: &Pool) -> Result<(Arc<BrandSettings>, Arc<Brand>), AppError> {
        if let Ok(guard) = self.cached.read()
            && let Some(c) = guard.as_ref()
            && c.read_at.elapsed() < FRESH_FOR
        {
            return Ok((Arc::clone(&c.settings), Arc::clone(&c.brand)));
        }
        let settings = Arc::new(db::run(pool, |c| Ok(BrandSettings::load(c)?)).await?);
        let brand = Arc::new(settings.brand());
        if let Ok(mut guard) = self.cached.write() {
            *guard = Some(Cached {
                read_at: Instant::now(),
                settings: Arc::clone(&settings),
                brand: Arc::clone(&brand),
            });
        }
        Ok((settings, brand))
    }

    /// Forgets the copy (after this instance saved a change).
    pub fn forget(&self) {
        if let Ok(mut guard) = self.cached.write() {
            *guard = None;
        }
    }
}

/// Serves the request with its brand current. A database that cannot be read leaves
/// Heard's own look, and the request's own handler reports the database.
pub async fn with_brand(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let brand = match req.app_data::<web::Data<AppState>>() {
        Some(state) => match state.brand.get(&state.pool).await {
            Ok((_, brand)) => brand,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the brand settings");
                Arc::default()
            }
        },
        None => Arc::default(),
    };
    crate::templates::with_brand(brand, next.call(req)).await
}

/// `GET /brand/style.css?v=HASH`: the accent and custom CSS. The URL changes with the
/// content, so a browser keeps it for a year; an old hash gets today's CSS, briefly cached.
pub async fn stylesheet(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (settings, brand) = state.brand.get(&state.pool).await?;
    let css = settings.stylesheet().unwrap_or_default();
    let asked = format!("{}?{}", req.path(), req.query_string());
    let current = brand.stylesheet.as_deref() == Some(asked.as_str());
    let cache = if current {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, cache))
        .body(css))
}
