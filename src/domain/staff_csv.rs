//! Reading staff from CSV (`name,email,role,team,handle,manager_email`, with a header row):
//! every row is parsed and every problem kept with its line number.

use super::FieldError;
use super::{StaffFields, StaffInput};

pub const COLUMNS: [&str; 6] = ["name", "email", "role", "team", "handle", "manager_email"];
const REQUIRED: [&str; 3] = ["name", "email", "role"];

/// One data row: its line in the file, what it said, and what it parses to.
#[derive(Debug, Clone)]
pub struct CsvRow {
    pub line: u64,
    pub fields: StaffFields,
    pub parsed: Result<StaffInput, Vec<FieldError>>,
}

/// Parses the whole file; `Err` only when the file itself is unusable (no or wrong header).
pub fn parse(reader: impl std::io::Read) -> Result<Vec<CsvRow>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(reader);
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .clone();
    for column in REQUIRED {
        if !headers.iter().any(|h| h == column) {
            return Err(format!(
                "the header row has no {column:?} column (expected {})",
                COLUMNS.join(",")
            ));
        }
    }
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(h)) {
        return Err(format!(
            "unknown column {unknown:?} (expected {})",
            COLUMNS.join(",")
        ));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let (line, fields, parsed) = match record {
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let error = FieldError::new("row", e.to_string());
                (line, StaffFields::default(), Err(vec![error]))
            }
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                match record.deserialize::<StaffFields>(Some(&headers)) {
                    Ok(fields) => {
                        let parsed = StaffInput::parse(&fields);
                        (line, fields, parsed)
                    }
                    Err(e) => (
                        line,
                        StaffFields::default(),
                        Err(vec![FieldError::new("row", e.to_string())]),
                    ),
                }
            }
        };
        rows.push(CsvRow {
            line,
            fields,
            parsed,
        });
    }
    if rows.is_empty() {
        return Err("no staff rows after the header".into());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_their_line_numbers_and_errors() {
        let text = "name,email,role,team\nAna Silva,ana@example.com,rep,Care\nBo,nope,boss,\n";
        let rows = parse(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert!(rows[0].parsed.is_ok());
        assert_eq!(rows[1].line, 3);
        let fields: Vec<_> = rows[1]
            .parsed
            .as_ref()
            .unwrap_err()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(fields, ["email", "role"]);
    }

    #[test]
    fn unusable_files_are_refused() {
        assert!(
            parse("name,mail,role\nA,a@b.co,rep\n".as_bytes())
                .unwrap_err()
                .contains("\"email\"")
        );
        assert!(
            parse("name,email,role,age\nA,a@b.co,rep,3\n".as_bytes())
                .unwrap_err()
                .contains("\"age\"")
        );
        assert!(parse("name,email,role\n".as_bytes()).is_err());
        let ragged = parse("name,email,role\nA,a@b.co\n".as_bytes()).unwrap();
        assert!(ragged[0].parsed.is_err());
    }
}
