//! The public wall of recognition: `/wall` (filters, keyset pages), `/wall/HANDLE` (a rep's
//! page), `/stories/ID` (one story, with Open Graph tags), `/wall/feed.atom` and
//! `/embed/wall`. Every page answers 304 when the client's copy is current (see
//! `web::caching`, which the routes put in front of them).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::wall_query::{WallQuery, load_story, next_link, page_for, pinned_page_for};
use crate::app::AppState;
use crate::db;
use crate::db::ids::StoryId;
use crate::error::AppError;
use crate::store::wall::{self, WallFilter};
use crate::store::{staff, teams};
use crate::web::extract::PathId;

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

pub async fn wall(
    state: web::Data<AppState>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let wanted = q.clone();
    let (stories, next, team_list, team_name) = db::run(&state.pool, move |c| {
        let teams_all = teams::list_active(c)?;
        let team_name = teams_all
            .iter()
            .find(|t| t.slug == wanted.team)
            .map(|t| t.name.clone());
        let list: Vec<_> = teams_all
            .iter()
            .map(|t| json!({"slug": t.slug, "name": t.name}))
            .collect();
        let (stories, next) = pinned_page_for(c, &wanted, wall::PAGE)?;
        Ok((stories, next, list, team_name))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("stories", &stories);
    ctx.insert("next", &next_link("/wall", &q, next));
    ctx.insert("teams", &team_list);
    ctx.insert(
        "filter",
        &json!({"team": q.team, "tag": q.tag, "rep": q.rep, "team_name": team_name}),
    );
    ctx.insert("first_page", &q.after.is_empty());
    Ok(html(crate::templates::render("public/wall.html", &ctx)?))
}

pub async fn rep(
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let handle = crate::domain::Handle::parse(&handle).map_err(|_| AppError::NotFound)?;
    let q = WallQuery {
        rep: handle.to_string(),
        after: query.into_inner().after,
        ..WallQuery::default()
    };
    let (profile, count, stories, next) = db::run(&state.pool, move |c| {
        let profile = staff::profile(c, &q.rep)?
            .filter(|p| p.public_naming)
            .ok_or(AppError::NotFound)?;
        let person = staff::find_by_handle(c, &q.rep)?.ok_or(AppError::NotFound)?;
        let (stories, next) = pinned_page_for(c, &q, wall::PAGE)?;
        Ok((profile, person.thanks_received, stories, next))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("rep", &profile);
    ctx.insert("count", &count);
    ctx.insert("stories", &stories);
    let base = format!("/wall/{}", handle.as_str());
    ctx.insert("next", &next_link(&base, &WallQuery::default(), next));
    Ok(html(crate::templates::render(
        "public/rep_wall.html",
        &ctx,
    )?))
}

pub async fn story(
    state: web::Data<AppState>,
    id: PathId<StoryId>,
) -> Result<HttpResponse, AppError> {
    let story = load_story(&state, id.into_inner()).await?;
    let mut ctx = tera::Context::new();
    let excerpt: String = story.card.body.chars().take(200).collect();
    ctx.insert("story", &story);
    ctx.insert("excerpt", &excerpt);
    ctx.insert(
        "url",
        &format!("{}/stories/{}", state.settings.base_url, story.card.id),
    );
    ctx.insert("base_url", &state.settings.base_url);
    Ok(html(crate::templates::render("public/story.html", &ctx)?))
}

pub async fn feed(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let filter = WallFilter {
        limit: 50,
        ..WallFilter::default()
    };
    let (stories, _) = db::run(&state.pool, move |c| Ok(wall::page(c, &filter)?)).await?;
    let updated = stories
        .first()
        .map(|s| s.card.published_at)
        .unwrap_or_default();
    let mut ctx = tera::Context::new();
    ctx.insert("stories", &stories);
    ctx.insert("base_url", &state.settings.base_url);
    ctx.insert("updated", &updated.and_utc().to_rfc3339());
    let body = crate::templates::render("public/feed.atom", &ctx)?;
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(body))
}

/// A compact wall other sites may frame (only the origins in `HEARD_EMBED_ORIGINS`).
pub async fn embed(
    state: web::Data<AppState>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let first_page = WallQuery {
        after: String::new(),
        ..query.into_inner()
    };
    let (stories, _) = db::run(&state.pool, move |c| page_for(c, &first_page, 10)).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("stories", &stories);
    ctx.insert("base_url", &state.settings.base_url);
    let ancestors = if state.settings.embed_origins.is_empty() {
        "'none'".to_owned()
    } else {
        state.settings.embed_origins.join(" ")
    };
    let csp = crate::web::middleware::CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {ancestors}"),
    );
    let body = crate::templates::render("public/embed.html", &ctx)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Security-Policy", csp))
        .content_type("text/html; charset=utf-8")
        .body(body))
}
