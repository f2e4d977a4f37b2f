//! Notes as customers send them: through the web form (a thank-you to Maria, changed field
//! by field) or the JSON API (`Note::thanks("maria", "…").send(&app)`), and what they do
//! afterwards on their receipt page.

use diesel::prelude::*;
use heard::db::ids::NoteId;
use heard::db::schema::notes;
use serde_json::{Value, json};

use super::{TEST_SECRET, TestApp, fill_in, form_token};

/// The customer's form, filled in: Pat Doe thanks Maria (by phone, two days ago), agrees
/// to be published as "Pat D.".
pub fn thanks_form(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "thanks".into()),
        ("rep", "maria".into()),
        ("customer_name", "Pat Doe".into()),
        ("customer_email", "pat@example.com".into()),
        ("body", "Maria stayed on the line until it worked.".into()),
        ("consent_publish", "on".into()),
        ("display", "first".into()),
        ("interaction_date", super::days_ago(2)),
        ("channel", "phone".into()),
        ("website", "".into()),
        ("form_token", token.into()),
    ]
}

/// The form token of a freshly loaded customer form.
pub async fn fresh_token(app: &TestApp) -> String {
    form_token(
        &app.get("/feedback/new")
            .await
            .text()
            .await
            .expect("the form"),
    )
}

/// Posts the customer's form as it stands.
pub async fn post_form(app: &TestApp, form: &[(&str, String)]) -> reqwest::Response {
    app.client
        .post(app.url("/feedback"))
        .form(form)
        .send()
        .await
        .expect("post the form")
}

/// Sets one field of the form (replacing what it held).
pub fn set_field(form: &mut Vec<(&'static str, String)>, key: &'static str, value: &str) {
    form.retain(|(k, _)| *k != key);
    form.push((key, value.to_owned()));
}

/// Sends `thanks_form`, on a fresh token, with these fields changed.
pub async fn send_by_form(app: &TestApp, changes: &[(&'static str, &str)]) -> reqwest::Response {
    let mut form = thanks_form(&fresh_token(app).await);
    for (key, value) in changes {
        set_field(&mut form, key, value);
    }
    post_form(app, &form).await
}

/// The receipt page a sent form leads to, without its query.
pub fn receipt_path(sent: &reqwest::Response) -> String {
    let location = sent.headers()["location"]
        .to_str()
        .expect("a receipt location");
    location.split('?').next().unwrap_or(location).to_owned()
}

/// Presses one of the receipt page's buttons (`withdraw`, `erase`…) with its own form token.
async fn press_on_receipt(app: &TestApp, receipt: &str, action: &str, fields: &[(&str, &str)]) {
    let button = format!("{receipt}/{action}");
    let res = fill_in(app, &app.client, None, receipt, &button, fields).await;
    assert_eq!(res.status(), 303, "{action} from {receipt}");
}

/// Erases a note the way its customer does, from the receipt page.
pub async fn erase_from_receipt(app: &TestApp, receipt: &str) {
    press_on_receipt(app, receipt, "erase", &[("confirm", "yes")]).await;
}

/// Withdraws consent the way the customer does, from the receipt page (confirmed).
pub async fn withdraw_from_receipt(app: &TestApp, receipt: &str) {
    press_on_receipt(app, receipt, "withdraw", &[("confirm", "yes")]).await;
}

/// Withdraws consent for the note with these words, as its (first) receipt link would.
pub fn withdraw_note(app: &TestApp, words: &str) {
    let id = NoteId::parse(&note_id(app, words)).expect("a note id");
    let token =
        heard::store::intake::receipt_token(&heard::config::Secret::new(TEST_SECRET), &id, 0);
    heard::store::receipts::withdraw(&mut app.conn(), &heard::store::hash_token(&token))
        .expect("withdraw");
}

/// How many notes are stored.
pub fn count_notes(app: &TestApp) -> i64 {
    notes::table
        .count()
        .get_result(&mut app.conn())
        .expect("count notes")
}

/// The id of the note with these words.
pub fn note_id(app: &TestApp, words: &str) -> String {
    notes::table
        .filter(notes::body.eq(words))
        .select(notes::id)
        .first::<NoteId>(&mut app.conn())
        .expect("a note with those words")
        .to_string()
}

/// A note sent through the JSON API. By default Pat Doe (pat@example.com) sends it and
/// does not agree to publication; each method changes one thing.
pub struct Note {
    json: Value,
}

/// A note the API accepted: its id and its receipt's URL.
pub struct Sent {
    pub id: String,
    pub receipt: String,
}

impl Sent {
    pub fn note_id(&self) -> NoteId {
        NoteId::parse(&self.id).expect("a note id")
    }

    /// The receipt's path, without the host.
    pub fn receipt_path(&self) -> String {
        let at = self.receipt.find("/receipt/").expect("a receipt path");
        self.receipt[at..].to_owned()
    }
}

impl Note {
    fn of_kind(kind: &str, rep: &str, words: &str) -> Self {
        Self {
            json: json!({"kind": kind, "rep_handle": rep,
                         "customer": {"name": "Pat Doe", "email": "pat@example.com"},
                         "body": words, "consent": {"publish": false, "display": "first"}}),
        }
    }

    pub fn thanks(rep: &str, words: &str) -> Self {
        Self::of_kind("thanks", rep, words)
    }

    pub fn complaint(rep: &str, words: &str) -> Self {
        Self::of_kind("complaint", rep, words)
    }

    /// Someone else sends it.
    pub fn customer(mut self, name: &str, email: &str) -> Self {
        self.json["customer"] = json!({"name": name, "email": email});
        self
    }

    /// Pat Doe sends it from another address.
    pub fn email(mut self, email: &str) -> Self {
        self.json["customer"]["email"] = json!(email);
        self
    }

    /// Pat Doe leaves no email address.
    pub fn without_email(mut self) -> Self {
        self.json["customer"]["email"] = Value::Null;
        self
    }

    /// The customer agrees to publication.
    pub fn publishable(mut self) -> Self {
        self.json["consent"]["publish"] = json!(true);
        self
    }

    /// How the customer is named if published: `first`, `full`…
    pub fn display(mut self, display: &str) -> Self {
        self.json["consent"]["display"] = json!(display);
        self
    }

    /// When and how the customer was helped.
    pub fn on(mut self, date: &str, channel: &str) -> Self {
        self.json["interaction_date"] = json!(date);
        self.json["channel"] = json!(channel);
        self
    }

    /// The request body.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Posts it, whatever the answer.
    pub async fn post(&self, app: &TestApp) -> reqwest::Response {
        app.client
            .post(app.url("/api/v1/feedback"))
            .json(&self.json)
            .send()
            .await
            .expect("post a note")
    }

    /// Sends it; the API must accept it (201).
    pub async fn send(self, app: &TestApp) -> Sent {
        let res = self.post(app).await;
        let status = res.status();
        let created: Value = res.json().await.expect("a JSON answer");
        assert_eq!(status, 201, "{created}");
        Sent {
            id: created["id"].as_str().expect("an id").to_owned(),
            receipt: created["receipt_url"]
                .as_str()
                .expect("a receipt URL")
                .to_owned(),
        }
    }

    /// Sends it and puts its story on the wall at once, as written, with these tags; the
    /// story's id.
    pub async fn published(self, app: &TestApp, tags: &[&str]) -> String {
        let words = self.json["body"].as_str().expect("words").to_owned();
        self.send(app).await;
        let story = super::stories::story_id(app, &words);
        super::builders::story(&story).tagged(tags).publish(app);
        story
    }
}
