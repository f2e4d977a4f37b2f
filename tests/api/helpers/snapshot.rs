//! The whole database as text, to show that a request changed nothing: every row of every
//! table the database lists (so a new table is included without a word here), each row's
//! columns cast to text, sorted. The abuse counters are left out: they count every attempt,
//! refused ones included, by design.

use std::collections::{BTreeMap, BTreeSet};

use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use heard::db::DbConn;

use super::TestApp;

/// Tables that change on a refused request by design.
const COUNTERS: &[&str] = &["rate_counters"];

/// Every row of every table, by table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<String, Vec<String>>);

#[derive(diesel::QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every table with its columns, as the database's catalog lists them.
fn layout(conn: &mut DbConn) -> BTreeMap<String, Vec<String>> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT m.name AS tbl, p.name AS name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        DbConn::Pg(_) => {
            "SELECT c.relname::text AS tbl, a.attname::text AS name FROM pg_attribute a \
             JOIN pg_class c ON a.attrelid = c.oid JOIN pg_namespace n ON c.relnamespace = n.oid \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 \
             AND NOT a.attisdropped"
        }
    };
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for column in diesel::sql_query(sql)
        .load::<Column>(conn)
        .expect("read the catalog")
    {
        if !COUNTERS.contains(&column.tbl.as_str()) {
            tables.entry(column.tbl).or_default().push(column.name);
        }
    }
    assert!(tables.len() > 10, "found only the tables {tables:?}");
    tables
}

/// Columns of bytes, not text: compared by their hex digits.
const BINARY: &[(&str, &str)] = &[("pictures", "body")];

fn rows(conn: &mut DbConn, table: &str, columns: &[String]) -> Vec<String> {
    let hex = match conn {
        DbConn::Sqlite(_) => "hex",
        DbConn::Pg(_) => "encode",
    };
    let text = |c: &str| match BINARY.contains(&(table, c)) {
        true if hex == "hex" => format!("hex(\"{c}\")"),
        true => format!("encode(\"{c}\", 'hex')"),
        false => format!("CAST(\"{c}\" AS TEXT)"),
    };
    let line = columns
        .iter()
        .map(|c| format!("'{c}=' || COALESCE({}, 'NULL')", text(c)))
        .collect::<Vec<_>>()
        .join(" || ' | ' || ");
    let mut found: Vec<String> =
        diesel::sql_query(format!("SELECT {line} AS line FROM \"{table}\""))
            .load::<Line>(conn)
            .unwrap_or_else(|e| panic!("read {table}: {e}"))
            .into_iter()
            .map(|l| l.line)
            .collect();
    found.sort();
    found
}

/// The database as it is now.
pub fn database(app: &TestApp) -> Snapshot {
    let mut conn = app.conn();
    of(&mut conn)
}

/// Every row of every table behind `conn`.
pub fn of(conn: &mut DbConn) -> Snapshot {
    let mut all = BTreeMap::new();
    for (table, columns) in layout(conn) {
        let found = rows(conn, &table, &columns);
        all.insert(table, found);
    }
    Snapshot(all)
}

impl Snapshot {
    /// The tables whose rows differ from `earlier`'s, with the rows gone and the rows new.
    pub fn changes_since(&self, earlier: &Snapshot) -> Vec<String> {
        let empty = Vec::new();
        let tables: BTreeSet<&String> = self.0.keys().chain(earlier.0.keys()).collect();
        let mut out = Vec::new();
        for table in tables {
            let now = self.0.get(table).unwrap_or(&empty);
            let before = earlier.0.get(table).unwrap_or(&empty);
            if now != before {
                let gone: Vec<_> = before.iter().filter(|r| !now.contains(r)).collect();
                let new: Vec<_> = now.iter().filter(|r| !before.contains(r)).collect();
                out.push(format!("{table}: gone {gone:?}, new {new:?}"));
            }
        }
        out
    }

    /// How many rows `table` has.
    pub fn count(&self, table: &str) -> usize {
        self.0.get(table).map_or(0, Vec::len)
    }

    /// The snapshot without these tables (ones that differ between two databases by design).
    pub fn without(mut self, tables: &[&str]) -> Self {
        self.0.retain(|table, _| !tables.contains(&table.as_str()));
        self
    }

    /// How many rows there are in all (to show a snapshot saw something).
    pub fn rows(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }
}
