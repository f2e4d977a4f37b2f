//! Signing in and out. Wrong email and wrong password get the same answer (and take the
//! same time). Attempts are limited per client, and wrong passwords slow down further tries
//! at that account from that client only, so no one can lock the owner out from elsewhere.
//! The form's token is bound to a cookie of the browser that loaded the form.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::db;
use crate::domain::throttle::client_of;
use crate::error::{AppError, FieldError};
use crate::store::staff::{self, Staff as Person};
use crate::store::{audit, limits};
use crate::web::abuse;
use crate::web::extract::{ClientIp, CsrfForm, CsrfOnly, Staff};
use crate::web::forms;
use crate::web::session;
use crate::web::staff::{audited, audited_as};

/// A hash of a random password: checked when the email is unknown, so both cases take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Pd0Bo3Jx1n3ZbUO8sQ8qQ9qM0mFJtDQIgkWc0D7Hmg";

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
    #[serde(default)]
    reset: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    form_token: String,
}

/// Only a staff path on this site may follow a sign-in: printable ASCII, no scheme, no
/// host, no backslash.
fn safe_next(next: &str) -> String {
    let ok = next.starts_with("/staff")
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        next.to_owned()
    } else {
        "/staff".to_owned()
    }
}

/// `next` with a control character is not a mistake anyone makes by hand: refused.
fn check_next(next: &str) -> Result<(), AppError> {
    if next.chars().any(char::is_control) {
        return Err(AppError::BadRequest(
            "The page to return to after signing in is not a valid address.".into(),
        ));
    }
    Ok(())
}

/// The cookie that binds the sign-in form to the browser that loaded it.
fn binding_cookie_name(base_url: &str) -> &'static str {
    if base_url.starts_with("https://") {
        "__Host-heard_login"
    } else {
        "heard_login"
    }
}

/// The browser's binding, or a new one (with the cookie that carries it) for a browser that
/// has none yet.
fn binding(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    let name = binding_cookie_name(&state.settings.base_url);
    if let Some(c) = req.cookie(name)
        && c.value().len() == 32
        && c.value().bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (c.value().to_owned(), None);
    }
    let (value, _) = crate::store::new_token();
    let value = value[..32].to_owned();
    let cookie = Cookie::build(name, value.clone())
        .path("/")
        .http_only(true)
        .secure(state.settings.base_url.starts_with("https://"))
        .same_site(SameSite::Strict)
        .finish();
    (value, Some(cookie))
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    email: &str,
    next: &str,
    notice: Option<&str>,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (bound_to, cookie) = binding(req, state);
    let mut ctx = tera::Context::new();
    ctx.insert("email", email);
    ctx.insert("next", &safe_next(next));
    ctx.insert("notice", &notice);
    ctx.insert(
        "form_token",
        &abuse::issue_bound_form_token(
            &state.secret_key,
            chrono::Utc::now().timestamp(),
            &bound_to,
        ),
    );
    forms::insert_errors(&mut ctx, errors);
    let mut res = forms::page_with_status("staff/login.html", &ctx, status)?;
    if let Some(cookie) = cookie {
        res.add_cookie(&cookie).map_err(AppError::internal)?;
    }
    Ok(res)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    check_next(&query.next)?;
    let notice = match (&query.signed_out, &query.reset) {
        (Some(_), _) => Some("You have signed out."),
        (_, Some(_)) => Some("Your password has been changed. Sign in with the new one."),
        _ => None,
    };
    render(&req, &state, "", &query.next, notice, &[], StatusCode::OK)
}

/// The form's token: genuine, from this browser, not used before (it is spent here).
async fn check_form(req: &HttpRequest, state: &AppState, token: &str) -> Result<(), FieldError> {
    let name = binding_cookie_name(&state.settings.base_url);
    let bound_to = req
        .cookie(name)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let nonce = abuse::check_bound_form_token(
        &state.secret_key,
        token,
        chrono::Utc::now().timestamp(),
        0,
        &bound_to,
    )
    .map_err(|e| {
        let message = if bound_to.is_empty() {
            "Your browser did not send back the cookie this form needs. Allow cookies for this site, reload the page and sign in again."
        } else {
            e.message()
        };
        FieldError::new("email", message)
    })?;
    forms::spend(state, nonce)
        .await
        .map_err(|e| FieldError::new("email", e.message))
}

/// How long to wait, in words.
fn too_many(wait: i64) -> FieldError {
    let when = if wait < 90 {
        format!("{wait} seconds")
    } else {
        format!("{} minutes", (wait + 59) / 60)
    };
    FieldError::new(
        "email",
        format!(
            "Too many wrong passwords for this account from here. Try again in {when}, or reset your password."
        ),
    )
}

/// Whether a sign-in goes through.
enum Admission {
    Admitted(Person),
    /// Refused: the error to show on the form, and the status to answer with.
    Refused(FieldError, StatusCode),
}

/// Who the email and password sign in, or the error to show with its status. A wrong
/// password counts against this account from this client.
async fn authenticate(
    state: &AppState,
    account: String,
    client: String,
    password: String,
) -> Result<Admission, AppError> {
    let (lookup, place) = (account.clone(), client.clone());
    let (person, wait) = db::run(&state.pool, move |c| {
        let now = crate::store::now();
        let wait = limits::login_wait(c, &lookup, &place, now)?;
        Ok((staff::find_by_email(c, &lookup)?, wait))
    })
    .await?;
    if let Some(wait) = wait {
        return Ok(Admission::Refused(
            too_many(wait),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let person = web::block(move || {
        let hash = person
            .as_ref()
            .and_then(|p| p.password_hash.clone())
            .unwrap_or_else(|| DUMMY_HASH.to_owned());
        let matches = crate::domain::verify_password(&password, &hash);
        person.filter(|p| matches && p.active && p.password_hash.is_some())
    })
    .await?;
    if let Some(person) = person {
        return Ok(Admission::Admitted(person));
    }
    db::run(&state.pool, move |c| {
        let now = crate::store::now();
        Ok(limits::login_failed(c, &account, &client, now)?)
    })
    .await?;
    let error = FieldError::new("email", "That email and password don't match an account.");
    Ok(Admission::Refused(error, StatusCode::UNAUTHORIZED))
}

/// Who this sign-in is, or the error to show with its status: the form's token first, then
/// the email and password.
async fn admit(
    req: &HttpRequest,
    state: &AppState,
    ip: ClientIp,
    form: &LoginForm,
) -> Result<Admission, AppError> {
    if let Err(error) = check_form(req, state, &form.form_token).await {
        return Ok(Admission::Refused(error, StatusCode::FORBIDDEN));
    }
    let account = form.email.trim().to_lowercase();
    let client =
        ip.0.map_or_else(|| "unknown".to_owned(), |ip| client_of(ip).to_string());
    authenticate(state, account, client, form.password.clone()).await
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    ip: ClientIp,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    check_next(&form.next)?;
    if let Some(ip) = ip.0 {
        state.login_limiter.check(&state.pool, ip).await?;
    }
    let person = match admit(&req, &state, ip, &form).await? {
        Admission::Admitted(person) => person,
        Admission::Refused(error, status) => {
            let (email, next) = (&form.email, &form.next);
            return render(&req, &state, email, next, None, &[error], status);
        }
    };
    let (account, id) = (form.email.trim().to_lowercase(), person.id.clone());
    let actor = audit::Actor::Staff {
        id: person.id.clone(),
        name: person.name.clone(),
    };
    audited_as(
        &state,
        actor,
        ip,
        "staff.sign_in",
        id.to_string(),
        move |c| {
            limits::login_clear(c, &account)?;
            Ok(staff::touch_login(c, &id)?)
        },
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session::start(&state, &person))
        .insert_header((LOCATION, safe_next(&form.next)))
        .finish())
}

/// Signing out ends every session of this person, on every device.
pub async fn logout(
    state: web::Data<AppState>,
    viewer: Staff,
    _form: CsrfForm<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    let id = viewer.id().clone();
    audited(
        &state,
        &viewer,
        "staff.sign_out",
        id.to_string(),
        move |c| Ok(staff::end_sessions(c, &id)?),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session::removal(&state))
        .insert_header((LOCATION, "/login?signed_out=1"))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!crate::domain::verify_password("", DUMMY_HASH));
    }

    #[test]
    fn only_staff_paths_follow_a_sign_in() {
        for (next, want) in [
            ("/staff/notes/1", "/staff/notes/1"),
            ("https://evil.example/staff", "/staff"),
            ("//evil.example", "/staff"),
            ("/staff\\..\\", "/staff"),
            ("/staff\r\nSet-Cookie: x=1", "/staff"),
            ("/staff/é", "/staff"),
            ("", "/staff"),
        ] {
            assert_eq!(safe_next(next), want);
        }
        assert!(check_next("/staff\r\nLocation: //evil").is_err());
        assert!(check_next("/staff\u{0}").is_err());
        assert!(check_next("/staff/notes/1?x=%0d").is_ok());
    }
}
