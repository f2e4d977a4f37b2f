//! Pictures in the database: a staff member's photo (its sizes) and the organisation's logo,
//! each named by the hash of what Heard drew, so a URL is forever the same picture.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::StaffId;
use crate::db::schema::{pictures, staff};
use crate::pictures::Picture;

/// The setting that names the logo's hash.
pub const LOGO: &str = "logo";

/// One stored picture.
#[derive(Debug, Queryable)]
pub struct Stored {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The hash that names a set of pictures: the first 16 hex digits of the largest's SHA-256.
fn hash_of(set: &[Picture]) -> String {
    let first = set.first().map(|p| p.bytes.as_slice()).unwrap_or_default();
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(first)[..8])
}

/// The id a picture is stored and served under: `HASH-VARIANT`.
pub fn id(hash: &str, variant: &str) -> String {
    format!("{hash}-{variant}")
}

/// Stores the pictures (once, however often uploaded); their hash.
fn store(conn: &mut DbConn, set: &[Picture]) -> QueryResult<String> {
    let hash = hash_of(set);
    let now = super::now();
    for picture in set {
        let row = (
            pictures::id.eq(id(&hash, &picture.variant)),
            pictures::content_type.eq(picture.content_type),
            pictures::body.eq(&picture.bytes),
            pictures::created_at.eq(now),
        );
        crate::per_backend!(conn, c => diesel::insert_into(pictures::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(hash)
}

/// Deletes a set of pictures unless someone (or the logo) still shows them.
fn forget(conn: &mut DbConn, hash: &str) -> QueryResult<()> {
    let people: i64 = staff::table
        .filter(staff::photo.eq(hash))
        .count()
        .get_result(conn)?;
    let logo = super::settings::texts(conn, &[LOGO])?;
    if people > 0 || logo.iter().any(|(_, h)| h == hash) {
        return Ok(());
    }
    diesel::delete(pictures::table.filter(pictures::id.like(format!("{hash}-%"))))
        .execute(conn)
        .map(drop)
}

/// Gives `person` this photo (or none), and forgets the one it replaces.
pub fn set_photo(conn: &mut DbConn, person: &StaffId, set: Option<&[Picture]>) -> QueryResult<()> {
    let old: Option<String> = staff::table.find(person).select(staff::photo).first(conn)?;
    let new = match set {
        Some(set) => Some(store(conn, set)?),
        None => None,
    };
    diesel::update(staff::table.find(person))
        .set((staff::photo.eq(&new), staff::updated_at.eq(super::now())))
        .execute(conn)?;
    match old {
        Some(old) if Some(&old) != new.as_ref() => forget(conn, &old),
        _ => Ok(()),
    }
}

/// Makes this the organisation's logo (or none), and forgets the one it replaces.
pub fn set_logo(conn: &mut DbConn, logo: Option<&Picture>) -> QueryResult<()> {
    let old = super::settings::texts(conn, &[LOGO])?.pop().map(|(_, h)| h);
    let new = match logo {
        Some(picture) => store(conn, std::slice::from_ref(picture))?,
        None => String::new(),
    };
    super::settings::set_text(conn, LOGO, &new)?;
    super::wall::bump(conn)?;
    match old {
        Some(old) if !old.is_empty() && old != new => forget(conn, &old),
        _ => Ok(()),
    }
}

/// Whether the picture `id` may be shown to anyone: the logo, or the photo of an active
/// staff member who chose to be named in public. Other photos are for signed-in staff only,
/// so a rep who stops being named publicly stops being shown at their photo's address too.
pub fn is_public(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let hash = id.split_once('-').map_or(id, |(hash, _)| hash);
    if super::settings::texts(conn, &[LOGO])?
        .iter()
        .any(|(_, logo)| logo == hash)
    {
        return Ok(true);
    }
    let named: i64 = staff::table
        .filter(staff::photo.eq(hash))
        .filter(staff::public_naming.eq(true))
        .filter(staff::active.eq(true))
        .count()
        .get_result(conn)?;
    Ok(named > 0)
}

/// A stored picture by its id.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Stored>> {
    pictures::table
        .find(id)
        .select((pictures::content_type, pictures::body))
        .first(conn)
        .optional()
}
