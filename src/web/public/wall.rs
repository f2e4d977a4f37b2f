//! The public wall of recognition: `/wall` (filters, keyset pages), `/wall/HANDLE` (a rep's
//! page), `/stories/ID` (one story, with Open Graph tags), `/wall/feed.atom` and
//! `/embed/wall`. Every page answers 304 when the client's copy is current.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::db::ids::StoryId;
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::store::wall::{self, Cursor, StoryState, WallFilter, WallStory};
use crate::store::{staff, teams};
use crate::web::caching::Validators;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WallQuery {
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub rep: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A tag as it may appear in a URL: lower-case letters, digits and hyphens.
pub fn valid_tag(tag: &str) -> bool {
    (1..=40).contains(&tag.len())
        && tag
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The filter a query asks for; `None` when it names a team, rep or tag that cannot match.
fn resolve(c: &mut DbConn, q: &WallQuery, limit: i64) -> Result<Option<WallFilter>, AppError> {
    let mut filter = WallFilter {
        limit,
        ..WallFilter::default()
    };
    // A broken cursor is the client's mistake whatever else the query says.
    if !q.after.is_empty() {
        filter.after = Some(
            Cursor::parse(&q.after)
                .ok_or_else(|| AppError::BadRequest("That page link is not valid.".into()))?,
        );
    }
    if !q.team.is_empty() {
        let Some(team) = teams::list_active(c)?
            .into_iter()
            .find(|t| t.slug == q.team)
        else {
            return Ok(None);
        };
        filter.team = Some(team.id);
    }
    if !q.rep.is_empty() {
        // Only people who agreed to be named can be looked up by name.
        let Some(rep) =
            staff::find_by_handle(c, &q.rep.to_lowercase())?.filter(|s| s.public_naming)
        else {
            return Ok(None);
        };
        filter.rep = Some(rep.id);
    }
    if !q.tag.is_empty() {
        if !valid_tag(&q.tag) {
            return Ok(None);
        }
        filter.tag = Some(q.tag.clone());
    }
    Ok(Some(filter))
}

/// A page of the wall for a query: empty when it names a team, rep or tag that cannot match.
pub fn page_for(
    c: &mut DbConn,
    q: &WallQuery,
    limit: i64,
) -> Result<(Vec<WallStory>, Option<Cursor>), AppError> {
    Ok(match resolve(c, q, limit)? {
        Some(filter) => wall::page(c, &filter)?,
        None => (Vec::new(), None),
    })
}

/// Validators for this request, or the 304 that ends it.
async fn validators(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Result<Validators, HttpResponse>, AppError> {
    let version = db::run(&state.pool, |c| Ok(wall::version(c)?)).await?;
    let v = Validators::new(version, req);
    Ok(if v.fresh(req) {
        Err(v.not_modified())
    } else {
        Ok(v)
    })
}

fn html(v: &Validators, body: String) -> HttpResponse {
    v.apply(&mut HttpResponse::Ok())
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn next_link(base: &str, q: &WallQuery, next: Option<Cursor>) -> Option<String> {
    let next = next?;
    let mut params = vec![];
    for (k, v) in [("team", &q.team), ("tag", &q.tag), ("rep", &q.rep)] {
        if !v.is_empty() {
            params.push(format!("{k}={v}"));
        }
    }
    params.push(format!("after={}", next.encode()));
    Some(format!("{base}?{}", params.join("&")))
}

pub async fn wall(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let v = match validators(&state, &req).await? {
        Ok(v) => v,
        Err(not_modified) => return Ok(not_modified),
    };
    let q = query.into_inner();
    let (stories, next, team_list, team_name) = {
        let q = q.clone();
        db::run(&state.pool, move |c| {
            let teams_all = teams::list_active(c)?;
            let team_name = teams_all
                .iter()
                .find(|t| t.slug == q.team)
                .map(|t| t.name.clone());
            let list: Vec<_> = teams_all
                .iter()
                .map(|t| json!({"slug": t.slug, "name": t.name}))
                .collect();
            let (stories, next) = page_for(c, &q, wall::PAGE)?;
            Ok((stories, next, list, team_name))
        })
        .await?
    };
    let mut ctx = tera::Context::new();
    ctx.insert("stories", &stories);
    ctx.insert("next", &next_link("/wall", &q, next));
    ctx.insert("teams", &team_list);
    ctx.insert(
        "filter",
        &json!({"team": q.team, "tag": q.tag, "rep": q.rep, "team_name": team_name}),
    );
    ctx.insert("first_page", &q.after.is_empty());
    Ok(html(
        &v,
        crate::templates::render("public/wall.html", &ctx)?,
    ))
}

pub async fn rep(
    req: HttpRequest,
    state: web::Data<AppState>,
    handle: web::Path<String>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let v = match validators(&state, &req).await? {
        Ok(v) => v,
        Err(not_modified) => return Ok(not_modified),
    };
    let handle = crate::domain::Handle::parse(&handle).map_err(|_| AppError::NotFound)?;
    let after = query.into_inner().after;
    let lookup = handle.clone();
    let (profile, count, stories, next) = db::run(&state.pool, move |c| {
        let profile = staff::profile(c, lookup.as_str())?
            .filter(|p| p.public_naming)
            .ok_or(AppError::NotFound)?;
        let person = staff::find_by_handle(c, lookup.as_str())?.ok_or(AppError::NotFound)?;
        let count = person.thanks_received;
        let q = WallQuery {
            rep: lookup.to_string(),
            after,
            ..WallQuery::default()
        };
        let (stories, next) = page_for(c, &q, wall::PAGE)?;
        Ok((profile, count, stories, next))
    })
    .await?;
    let mut ctx = tera::Context::new();
    ctx.insert("rep", &profile);
    ctx.insert("count", &count);
    ctx.insert("stories", &stories);
    let base = format!("/wall/{}", handle.as_str());
    ctx.insert(
        "next",
        &next.map(|n| format!("{base}?after={}", n.encode())),
    );
    Ok(html(
        &v,
        crate::templates::render("public/rep_wall.html", &ctx)?,
    ))
}

pub async fn load_story(state: &AppState, id: &str) -> Result<WallStory, AppError> {
    let id = StoryId::parse(id).ok_or(AppError::NotFound)?;
    match db::run(&state.pool, move |c| Ok(wall::story(c, &id)?)).await? {
        StoryState::Public(story) => Ok(*story),
        StoryState::Gone => Err(AppError::Gone),
        StoryState::Missing => Err(AppError::NotFound),
    }
}

pub async fn story(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let v = match validators(&state, &req).await? {
        Ok(v) => v,
        Err(not_modified) => return Ok(not_modified),
    };
    let story = load_story(&state, &id).await?;
    let mut ctx = tera::Context::new();
    let excerpt: String = story.card.body.chars().take(200).collect();
    ctx.insert("story", &story);
    ctx.insert("excerpt", &excerpt);
    ctx.insert(
        "url",
        &format!("{}/stories/{}", state.settings.base_url, story.card.id),
    );
    ctx.insert("base_url", &state.settings.base_url);
    Ok(html(
        &v,
        crate::templates::render("public/story.html", &ctx)?,
    ))
}

pub async fn feed(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let v = match validators(&state, &req).await? {
        Ok(v) => v,
        Err(not_modified) => return Ok(not_modified),
    };
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
    Ok(v.apply(&mut HttpResponse::Ok())
        .content_type("application/atom+xml; charset=utf-8")
        .body(body))
}

/// A compact wall other sites may frame (only the origins in `HEARD_EMBED_ORIGINS`).
pub async fn embed(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<WallQuery>,
) -> Result<HttpResponse, AppError> {
    let v = match validators(&state, &req).await? {
        Ok(v) => v,
        Err(not_modified) => return Ok(not_modified),
    };
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
    Ok(v.apply(&mut HttpResponse::Ok())
        .insert_header(("Content-Security-Policy", csp))
        .content_type("text/html; charset=utf-8")
        .body(body))
}
