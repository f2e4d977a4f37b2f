//! Faces and the logo: a rep uploads a photo at `/staff/me` and customers see it on their
//! thank-you page, the rep search, their wall and their card (not while they choose not to be
//! named); only pixels survive; what is not a picture is refused and changes nothing; an
//! admin's logo replaces the name in every page's header.

use std::io::Cursor;

use diesel::prelude::*;
use heard::db::schema::{pictures, staff};
use image::{ImageFormat, RgbImage};

use crate::backend_tests;
use crate::helpers::builders::seed_org;
use crate::helpers::notes::Note;
use crate::helpers::staff::{csrf, set_passwords, signed_in, staff_post, upload_body};
use crate::helpers::{Backend, TestApp, page_as, spawn_app};

/// A 640×480 JPEG carrying an EXIF block with a camera's name and a place.
pub fn camera_photo() -> Vec<u8> {
    let pixels = RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, 120])
    });
    let mut jpeg = Vec::new();
    pixels
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    let exif = b"Exif\0\0MM\0*\0\0\0\x08SecretCam GPS 51.5N 0.1W";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    app1.extend_from_slice(exif);
    [&jpeg[..2], &app1[..], &jpeg[2..]].concat()
}

pub async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    file: &[u8],
) -> reqwest::Response {
    let token = csrf(app, client).await;
    let (kind, body) = upload_body(&[("csrf", &token)], file);
    client
        .post(app.url(path))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The picture URLs a page shows as faces.
fn faces(html: &str) -> Vec<String> {
    html.match_indices("<img class=\"avatar\" src=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn photo_of(app: &TestApp, handle: &str) -> Option<String> {
    staff::table
        .filter(staff::handle.eq(handle))
        .select(staff::photo)
        .first(&mut app.conn())
        .unwrap()
}

fn pictures_stored(app: &TestApp) -> i64 {
    pictures::table.count().get_result(&mut app.conn()).unwrap()
}

async fn customers_see_the_face_of_whom_they_thank(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria = signed_in(&app, "maria@example.com").await;
    let original = camera_photo();
    assert!(original.windows(9).any(|w| w == b"SecretCam"));

    let res = upload(&app, &maria, "/staff/me/photo", &original).await;
    assert_eq!(res.status(), 303);
    let (_, me) = page_as(&maria, &app, res.headers()["location"].to_str().unwrap()).await;
    assert!(me.contains("Your photo is saved."), "{me}");

    let hash = photo_of(&app, "maria").expect("Maria has a photo");
    let story = Note::thanks("maria", "Maria found the fault in minutes.")
        .publishable()
        .published(&app, &[])
        .await;
    for path in [
        "/wall".to_owned(),
        format!("/stories/{story}"),
        "/embed/wall".to_owned(),
    ] {
        let (_, html) = app.page(&path).await;
        assert!(
            html.contains(&format!("/pictures/{hash}-64\"")),
            "{path}: {html}"
        );
    }
    let (_, form) = app.page("/to/maria").await;
    let shown = faces(&form);
    assert_eq!(shown, [format!("/pictures/{hash}-128")], "{form}");
    for path in ["/reps?q=maria", "/wall/maria", "/to/maria/card"] {
        let (status, html) = app.page(path).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("/pictures/{hash}-")),
            "{path}: {html}"
        );
    }
    for size in [256, 128, 64] {
        let res = app.get(&format!("/pictures/{hash}-{size}")).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=86400",
            "cached a day: a rep who stops being named stops being shown within it"
        );
        let bytes = res.bytes().await.unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"SecretCam"),
            "the camera's details are gone"
        );
        assert!(!bytes.windows(4).any(|w| w == b"Exif"));
        let back = image::load_from_memory(&bytes).unwrap();
        assert_eq!(
            (back.width(), back.height()),
            (size, size),
            "square, at its size"
        );
    }

    // James chose not to be named: his face is not shown either.
    let james = signed_in(&app, "james@example.com").await;
    assert_eq!(
        upload(&app, &james, "/staff/me/photo", &original)
            .await
            .status(),
        303
    );
    assert!(photo_of(&app, "james").is_some());
    let (_, form) = app.page("/to/james").await;
    assert!(faces(&form).is_empty(), "{form}");
    Note::thanks("james", "James sorted the refund.")
        .publishable()
        .published(&app, &[])
        .await;
    let (_, wall) = app.page("/wall").await;
    assert_eq!(
        wall.matches("/pictures/").count(),
        1,
        "Maria's face alone: {wall}"
    );

    // Removed, Maria's face is gone, and so are its pictures once nobody shows them.
    let token = csrf(&app, &maria).await;
    let res = maria
        .post(app.url("/staff/me/photo/remove"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(photo_of(&app, "maria"), None);
    let (_, form) = app.page("/to/maria").await;
    assert!(faces(&form).is_empty());
    assert!(form.contains(">ML</span>"), "initials again: {form}");
    // James still has the same picture, so it stays; but he chose not to be named, so it is
    // shown to signed-in staff alone, never at its public address.
    assert_eq!(
        app.get(&format!("/pictures/{hash}-128")).await.status(),
        404,
        "the photo of a rep who is not named is not public"
    );
    let seen = james
        .get(app.url(&format!("/pictures/{hash}-128")))
        .send()
        .await
        .unwrap();
    assert_eq!(seen.status(), 200);
    assert_eq!(seen.headers()["cache-control"], "private, max-age=3600");
    let token = csrf(&app, &james).await;
    james
        .post(app.url("/staff/me/photo/remove"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/pictures/{hash}-128")).await.status(),
        404
    );
    assert_eq!(pictures_stored(&app), 0);
}

async fn what_is_not_a_photo_is_refused_and_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let maria = signed_in(&app, "maria@example.com").await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    for (file, says) in [
        (svg, "not a picture Heard can read"),
        (b"name,email\n".to_vec(), "not a picture Heard can read"),
        (Vec::new(), "Choose a picture"),
        (
            camera_photo()[..400].to_vec(),
            "not a picture Heard can read",
        ),
    ] {
        let res = upload(&app, &maria, "/staff/me/photo", &file).await;
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{page}");
        assert!(
            page.contains("aria-invalid=\"true\""),
            "the field says it is wrong"
        );
    }
    let huge = vec![0xFF; 5 * 1024 * 1024 + 1];
    assert_eq!(
        upload(&app, &maria, "/staff/me/photo", &huge)
            .await
            .status(),
        400
    );
    // Another session's token is refused before anything is read into a picture.
    let (kind, body) = upload_body(&[("csrf", "forged")], &camera_photo());
    let res = maria
        .post(app.url("/staff/me/photo"))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(photo_of(&app, "maria"), None);
    assert_eq!(pictures_stored(&app), 0);
    for id in ["0123456789abcdef-128", "../../secret_key", "x"] {
        assert_eq!(
            app.get(&format!("/pictures/{id}")).await.status(),
            404,
            "{id}"
        );
    }
}

async fn the_logo_heads_every_page(backend: Backend) {
    let app = spawn_app(backend).await;
    seed_org(&app);
    set_passwords(&app);
    let admin = signed_in(&app, "priya@example.com").await;
    let name = [
        ("org_name", "Acme Telecom"),
        ("accent_colour", ""),
        ("custom_css", ""),
    ];
    staff_post(&app, &admin, "/staff/brand", &name).await;
    let mut png = Vec::new();
    RgbImage::from_pixel(960, 320, image::Rgb([20, 60, 140]))
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let res = upload(&app, &admin, "/staff/brand/logo", &png).await;
    assert_eq!(res.status(), 303);
    let (_, home) = app.page("/").await;
    let needle = "<img class=\"brand-logo\" src=\"";
    let at = home.find(needle).expect("the logo") + needle.len();
    let src = home[at..at + home[at..].find('"').unwrap()].to_owned();
    assert!(
        home.contains("alt=\"Acme Telecom\""),
        "the name is its text: {home}"
    );
    let logo = app.get(&src).await;
    assert_eq!(logo.headers()["content-type"], "image/png");
    let back = image::load_from_memory(&logo.bytes().await.unwrap()).unwrap();
    assert_eq!(
        (back.width(), back.height()),
        (480, 160),
        "fitted, its shape kept"
    );
    let (_, wall) = app.page("/wall").await;
    assert!(wall.contains(&src));

    // A rep may not change it.
    let maria = signed_in(&app, "maria@example.com").await;
    assert_eq!(
        upload(&app, &maria, "/staff/brand/logo", &png)
            .await
            .status(),
        403
    );

    let token = csrf(&app, &admin).await;
    let res = admin
        .post(app.url("/staff/brand/logo/remove"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, home) = app.page("/").await;
    assert!(!home.contains("brand-logo"), "{home}");
    assert_eq!(app.get(&src).await.status(), 404);
    assert_eq!(pictures_stored(&app), 0);
}

backend_tests!(
    customers_see_the_face_of_whom_they_thank,
    what_is_not_a_photo_is_refused_and_changes_nothing,
    the_logo_heads_every_page,
);
