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

/// The line (counting from 1, the header's) on which a record starts. The reader's own
/// count and offset stand on the line ends and blank lines before the record (and count a
/// CRLF as two ends), so this skips those and counts the newlines before the record.
fn line_at(text: &[u8], position: Option<&csv::Position>) -> u64 {
    let mut offset = position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
    while matches!(text.get(offset), Some(b'\r' | b'\n')) {
        offset += 1;
    }
    let before = text.get(..offset).unwrap_or(text);
    let newlines = before.iter().filter(|&&b| b == b'\n').count();
    1 + u64::try_from(newlines).unwrap_or(u64::MAX)
}

/// Parses the whole file; `Err` only when the file itself is unusable (no or wrong header).
/// Each row's line number is the file's own, whatever its line endings and blank lines.
pub fn parse(mut reader: impl std::io::Read) -> Result<Vec<CsvRow>, String> {
    let mut text = Vec::new();
    reader
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read the file: {e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_slice());
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
                let line = line_at(&text, e.position());
                let error = FieldError::new("row", e.to_string());
                (line, StaffFields::default(), Err(vec![error]))
            }
            Ok(record) => {
                let line = line_at(&text, record.position());
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
    fn line_numbers_are_the_files_own() {
        for text in [
            "name,email,role\r\nA B,a@example.com,rep\r\n\r\nC D,c@example.com,rep\r\n",
            "name,email,role\nA B,a@example.com,rep\n\nC D,c@example.com,rep\n",
            "\u{feff}name,email,role\nA B,a@example.com,rep\n\nC D,c@example.com,rep",
        ] {
            let rows = parse(text.as_bytes()).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 4], "{text:?}");
        }
        let quoted = "name,email,role\n\"A\nB\",a@example.com,rep\nC D,c@example.com,rep\n";
        let lines: Vec<u64> = parse(quoted.as_bytes())
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, [2, 4]);
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
