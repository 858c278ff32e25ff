//! Reading a contacts CSV and checking each row, before anything is stored: which column means what (the
//! mapping), and for every row either a clean contact or the reason it is refused, with its line number.
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::{ContactError, FieldDef, Tag, parse_email, parse_external_id, parse_phone, parse_text};

/// What one CSV column becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ignore,
    Name,
    Phone,
    Email,
    /// Comma-separated tags.
    Tags,
    /// The guest's id on the platform (required unless the id is the phone number, as on WhatsApp).
    ExternalId,
    /// A custom field, by key.
    Field(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Ignore => f.write_str("ignore"),
            Target::Name => f.write_str("name"),
            Target::Phone => f.write_str("phone"),
            Target::Email => f.write_str("email"),
            Target::Tags => f.write_str("tags"),
            Target::ExternalId => f.write_str("external_id"),
            Target::Field(key) => write!(f, "field:{key}"),
        }
    }
}

impl FromStr for Target {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        Ok(match s.trim() {
            "" | "ignore" => Target::Ignore,
            "name" => Target::Name,
            "phone" => Target::Phone,
            "email" => Target::Email,
            "tags" => Target::Tags,
            "external_id" => Target::ExternalId,
            other => match other.strip_prefix("field:") {
                Some(key) if !key.is_empty() => Target::Field(key.to_owned()),
                _ => {
                    return Err(ContactError::Invalid(format!(
                        "unknown column target {other:?}: use name, phone, email, tags, external_id, \
                         field:<key> or ignore"
                    )));
                }
            },
        })
    }
}

impl Target {
    /// The target a column header most likely means (English, German and French headers, custom field keys and
    /// labels).
    pub fn guess(header: &str, fields: &[FieldDef]) -> Target {
        let h = header.trim().trim_end_matches(':').trim().to_lowercase();
        match h.as_str() {
            "name"
            | "full name"
            | "guest"
            | "customer"
            | "gast"
            | "kunde"
            | "vollständiger name"
            | "nom"
            | "nom complet"
            | "client" => Target::Name,
            "phone"
            | "phone number"
            | "mobile"
            | "mobile phone"
            | "cell"
            | "telephone"
            | "tel"
            | "tel."
            | "telefon"
            | "telefonnummer"
            | "handy"
            | "handynummer"
            | "mobil"
            | "mobilnummer"
            | "mobiltelefon"
            | "whatsapp"
            | "téléphone"
            | "tél"
            | "tél."
            | "portable"
            | "numéro"
            | "numéro de téléphone" => Target::Phone,
            "email" | "e-mail" | "mail" | "email address" | "e-mail-adresse" | "courriel" | "adresse e-mail"
            | "adresse mail" => Target::Email,
            "tags" | "tag" | "schlagworte" | "schlagwort" | "étiquettes" | "étiquette" => Target::Tags,
            "external_id" | "external id" | "id" => Target::ExternalId,
            _ => fields
                .iter()
                .find(|f| f.key == h || f.label.to_lowercase() == h)
                .map_or(Target::Ignore, |f| Target::Field(f.key.clone())),
        }
    }
}

/// A parsed file: the header and every record with its line number (the header is line 1).
#[derive(Debug, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
    /// Records that could not even be read (e.g. not UTF-8).
    pub unreadable: Vec<Rejected>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub line: u64,
    pub problem: RowProblem,
}

/// Why a row is refused, as data: the dashboard words it in the member's language, `Display` in English (the API,
/// the command line). Stored in an import's report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RowProblem {
    /// The CSV reader could not read the record.
    Unreadable {
        detail: String,
    },
    Cells {
        found: usize,
        expected: usize,
    },
    /// The same identity as an earlier row.
    Duplicate {
        first_line: u64,
        by_phone: bool,
    },
    NoPhone,
    NoExternalId,
    UnknownField {
        key: String,
    },
    Phone {
        value: String,
    },
    Email {
        value: String,
    },
    /// A custom field's value its type refuses.
    Field {
        field: String,
        reason: String,
    },
    /// Anything else a contact check refused, in its own words.
    Invalid {
        detail: String,
    },
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { detail } => write!(f, "cannot be read: {detail}"),
            Self::Cells { found, expected } => write!(f, "has {found} cells, the header has {expected}"),
            Self::Duplicate { first_line, by_phone: true } => write!(f, "the same phone number as line {first_line}"),
            Self::Duplicate { first_line, by_phone: false } => write!(f, "the same external id as line {first_line}"),
            Self::NoPhone => f.write_str("no phone number"),
            Self::NoExternalId => f.write_str("no external id"),
            Self::UnknownField { key } => write!(f, "there is no custom field {key:?}"),
            Self::Phone { value } => ContactError::Phone(value.clone()).fmt(f),
            Self::Email { value } => ContactError::Email(value.clone()).fmt(f),
            Self::Field { field, reason } => write!(f, "{field}: {reason}"),
            Self::Invalid { detail } => f.write_str(detail),
        }
    }
}

impl From<ContactError> for RowProblem {
    fn from(e: ContactError) -> Self {
        match e {
            ContactError::Phone(value) => Self::Phone { value },
            ContactError::Email(value) => Self::Email { value },
            ContactError::Field { field, reason } => Self::Field { field, reason },
            ContactError::Invalid(detail) => Self::Invalid { detail },
        }
    }
}

/// A row that passed every check, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub line: u64,
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub tags: Vec<Tag>,
    /// (field key, canonical value)
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file has no header row")]
    Empty,
    #[error("the header row cannot be read: {0}")]
    Header(String),
    /// A text file has none, and PostgreSQL `text` could not store it.
    #[error("it contains NUL characters (U+0000), so it is not a text CSV file")]
    Nul,
}

/// Reads a CSV file. Spreadsheets in German locales write `;` between cells: a header with semicolons and no
/// commas is read that way.
pub fn read_csv(bytes: &[u8]) -> Result<Table, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ReadError::Nul);
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.contains(&b';') && !first_line.contains(&b',') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes);
    let headers: Vec<String> =
        reader.headers().map_err(|e| ReadError::Header(e.to_string()))?.iter().map(|h| h.trim().to_owned()).collect();
    if headers.iter().all(String::is_empty) {
        return Err(ReadError::Empty);
    }
    let mut table = Table { headers, rows: Vec::new(), unreadable: Vec::new() };
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                table.rows.push((line, r.iter().map(str::to_owned).collect()));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                table.unreadable.push(Rejected { line, problem: RowProblem::Unreadable { detail: e.to_string() } });
            }
        }
    }
    Ok(table)
}

/// Refuses mappings that cannot produce contacts: one column per target (tags may span several), a custom
/// field that exists, and the column the identity comes from.
pub fn check_mapping(mapping: &[Target], fields: &[FieldDef], id_from_phone: bool) -> Result<(), ContactError> {
    let mut seen: Vec<&Target> = Vec::new();
    for t in mapping.iter().filter(|t| !matches!(t, Target::Ignore | Target::Tags)) {
        if seen.contains(&t) {
            return Err(ContactError::Invalid(format!("two columns are mapped to {t}")));
        }
        if let Target::Field(key) = t
            && !fields.iter().any(|f| &f.key == key)
        {
            return Err(ContactError::Invalid(format!("there is no custom field {key:?}")));
        }
        seen.push(t);
    }
    let (needed, what) =
        if id_from_phone { (Target::Phone, "the phone number") } else { (Target::ExternalId, "the external id") };
    if !seen.contains(&&needed) {
        return Err(ContactError::Invalid(format!("map a column to {what}: it identifies each contact")));
    }
    Ok(())
}

/// How an import reads its rows: the account's custom fields, whether the contact's platform id is its phone
/// number's digits (WhatsApp), and the business's country for national phone numbers.
#[derive(Debug, Clone, Copy)]
pub struct RowRules<'a> {
    pub fields: &'a [FieldDef],
    pub id_from_phone: bool,
    pub country: Option<&'a str>,
}

/// Checks every row. A second row for the same identity is refused, naming the first.
pub fn check_rows(table: &Table, mapping: &[Target], rules: RowRules<'_>) -> (Vec<ImportRow>, Vec<Rejected>) {
    let (fields, id_from_phone) = (rules.fields, rules.id_from_phone);
    let defs: HashMap<&str, &FieldDef> = fields.iter().map(|f| (f.key.as_str(), f)).collect();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut good = Vec::with_capacity(table.rows.len());
    let mut rejected = table.unreadable.clone();
    for (line, cells) in &table.rows {
        let checked = check_row(*line, cells, table.headers.len(), mapping, &defs, rules).and_then(|row| {
            match first_line.get(&row.external_id) {
                Some(first) => Err(RowProblem::Duplicate { first_line: *first, by_phone: id_from_phone }),
                None => Ok(row),
            }
        });
        match checked {
            Ok(row) => {
                first_line.insert(row.external_id.clone(), *line);
                good.push(row);
            }
            Err(problem) => rejected.push(Rejected { line: *line, problem }),
        }
    }
    rejected.sort_by_key(|r| r.line);
    (good, rejected)
}

fn check_row(
    line: u64,
    cells: &[String],
    width: usize,
    mapping: &[Target],
    defs: &HashMap<&str, &FieldDef>,
    rules: RowRules<'_>,
) -> Result<ImportRow, RowProblem> {
    if cells.len() != width {
        return Err(RowProblem::Cells { found: cells.len(), expected: width });
    }
    let mut row = ImportRow {
        line,
        external_id: String::new(),
        name: String::new(),
        phone: String::new(),
        email: String::new(),
        tags: Vec::new(),
        fields: Vec::new(),
    };
    let text = RowProblem::from;
    for (cell, target) in cells.iter().zip(mapping) {
        let v = cell.trim();
        match target {
            Target::Ignore => {}
            Target::Name => row.name = parse_text("the name", v, 120).map_err(text)?,
            Target::Phone if !v.is_empty() => row.phone = parse_phone(v, rules.country).map_err(text)?,
            Target::Email if !v.is_empty() => row.email = parse_email(v).map_err(text)?,
            Target::Phone | Target::Email => {}
            Target::Tags => {
                for t in v.split(',').filter(|t| !t.trim().is_empty()) {
                    let tag = Tag::parse(t).map_err(text)?;
                    if !row.tags.contains(&tag) {
                        row.tags.push(tag);
                    }
                }
            }
            Target::ExternalId if !v.is_empty() => row.external_id = parse_external_id(v).map_err(text)?,
            Target::ExternalId => {}
            Target::Field(key) => {
                let def = defs.get(key.as_str()).ok_or_else(|| RowProblem::UnknownField { key: key.clone() })?;
                if let Some(value) = def.parse(v).map_err(text)? {
                    row.fields.push((key.clone(), value));
                }
            }
        }
    }
    if rules.id_from_phone {
        if row.phone.is_empty() {
            return Err(RowProblem::NoPhone);
        }
        row.external_id = row.phone.trim_start_matches('+').to_owned();
    } else if row.external_id.is_empty() {
        return Err(RowProblem::NoExternalId);
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::FieldKind;

    fn fields() -> Vec<FieldDef> {
        vec![
            FieldDef::new("Birthday", FieldKind::Date, "").unwrap(),
            FieldDef::new("Seating", FieldKind::Choice, "inside, terrace").unwrap(),
        ]
    }

    fn rules(fields: &[FieldDef], id_from_phone: bool) -> RowRules<'_> {
        RowRules { fields, id_from_phone, country: Some("DE") }
    }

    #[test]
    fn national_numbers_and_headers_of_each_language_are_read() {
        let csv = "Nom;Mobil;Courriel\nLena Vogel;0171 5556667;lena@example.com\nAnna;0171;\n";
        let table = read_csv(csv.as_bytes()).unwrap();
        let mapping = map(&table);
        assert_eq!(mapping, [Target::Name, Target::Phone, Target::Email]);
        let (good, bad) = check_rows(&table, &mapping, rules(&[], true));
        assert_eq!((good[0].phone.as_str(), good[0].external_id.as_str()), ("+491715556667", "491715556667"));
        assert_eq!(bad.iter().map(|r| r.line).collect::<Vec<_>>(), [3], "0171 alone is no German number");
        let abroad = RowRules { country: None, ..rules(&[], true) };
        assert_eq!(check_rows(&table, &mapping, abroad).0.len(), 0, "without a country no national number is read");
        for (header, target) in
            [("Telefonnummer", Target::Phone), ("Téléphone :", Target::Phone), ("Kunde", Target::Name)]
        {
            assert_eq!(Target::guess(header, &[]), target, "{header}");
        }
    }

    fn map(table: &Table) -> Vec<Target> {
        table.headers.iter().map(|h| Target::guess(h, &fields())).collect()
    }

    #[test]
    fn headers_are_guessed_and_rows_checked_with_line_numbers() {
        let csv = "Name,Telefon,E-Mail,Tags,Birthday,Seating,Notes\n\
                   Ada,+49 170 1111111,ADA@example.com,\"vip, regular\",1990-05-01,Terrace,x\n\
                   Bea,0170 2222,bea@example.com,,,,\n\
                   Cy,+49 170 3333333,not-an-email,,,,\n\
                   Di,+49 170 1111111,,,,,\n\
                   Ed,+49 170 4444444,,,1990-13-01,,\n\
                   Fay,+49 170 5555555,,,,,too,many\n\
                   Gil,+49 170 6666666,,,,garden,\n";
        let table = read_csv(csv.as_bytes()).unwrap();
        let mapping = map(&table);
        assert_eq!(
            mapping,
            [
                Target::Name,
                Target::Phone,
                Target::Email,
                Target::Tags,
                Target::Field("birthday".into()),
                Target::Field("seating".into()),
                Target::Ignore
            ]
        );
        check_mapping(&mapping, &fields(), true).unwrap();
        let (good, bad) = check_rows(&table, &mapping, rules(&fields(), true));
        assert_eq!(good.len(), 1);
        let ada = &good[0];
        assert_eq!((ada.line, ada.external_id.as_str(), ada.phone.as_str()), (2, "491701111111", "+491701111111"));
        let tags: Vec<&str> = ada.tags.iter().map(Tag::as_str).collect();
        assert_eq!((ada.email.as_str(), tags), ("ada@example.com", vec!["vip", "regular"]));
        assert_eq!(ada.fields, [("birthday".into(), "1990-05-01".into()), ("seating".into(), "terrace".into())]);
        let lines: Vec<u64> = bad.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8]);
        assert!(matches!(bad[0].problem, RowProblem::Phone { .. }), "{:?}", bad[0]);
        assert!(bad[0].problem.to_string().contains("phone"), "{:?}", bad[0]);
        assert!(matches!(bad[1].problem, RowProblem::Email { .. }), "{:?}", bad[1]);
        assert_eq!(bad[2].problem, RowProblem::Duplicate { first_line: 2, by_phone: true });
        assert_eq!(bad[2].problem.to_string(), "the same phone number as line 2");
        assert!(bad[3].problem.to_string().contains("Birthday"), "{:?}", bad[3]);
        assert!(matches!(bad[4].problem, RowProblem::Cells { expected: 7, .. }), "{:?}", bad[4]);
        assert!(bad[5].problem.to_string().contains("inside, terrace"), "{:?}", bad[5]);
        for r in &bad {
            let stored = serde_json::to_string(&r.problem).unwrap();
            assert_eq!(serde_json::from_str::<RowProblem>(&stored).unwrap(), r.problem, "{stored}");
        }
    }

    #[test]
    fn semicolon_files_and_external_ids() {
        let table = read_csv("\u{feff}external_id;name\nig-1;Ada\n;Bea\nig 3;Cy\n".as_bytes()).unwrap();
        assert_eq!(table.headers, ["external_id", "name"]);
        let mapping = map(&table);
        check_mapping(&mapping, &[], false).unwrap();
        let (good, bad) = check_rows(&table, &mapping, rules(&[], false));
        assert_eq!(good.iter().map(|r| r.external_id.as_str()).collect::<Vec<_>>(), ["ig-1"]);
        assert_eq!((bad[0].line, &bad[0].problem), (3, &RowProblem::NoExternalId));
        assert_eq!(bad[0].problem.to_string(), "no external id");
        assert_eq!(bad.len(), 2);
    }

    #[test]
    fn mappings_must_identify_contacts_and_not_repeat() {
        assert!(check_mapping(&[Target::Name], &[], true).unwrap_err().to_string().contains("phone"));
        assert!(check_mapping(&[Target::Phone, Target::Phone], &[], true).is_err());
        assert!(check_mapping(&[Target::Phone, Target::Field("nope".into())], &[], true).is_err());
        assert!(check_mapping(&[Target::Phone, Target::Tags, Target::Tags], &[], true).is_ok());
        for t in ["name", "field:birthday", "ignore", "external_id"] {
            assert_eq!(t.parse::<Target>().unwrap().to_string(), t);
        }
        assert!("nonsense".parse::<Target>().is_err());
        assert!(read_csv(b"").is_err());
    }

    #[test]
    fn a_file_with_a_nul_character_is_not_read() {
        assert!(matches!(read_csv(b"name,phone\nAda\0,+49301234567\n"), Err(ReadError::Nul)));
        assert!(matches!(read_csv(b"na\0me\n"), Err(ReadError::Nul)));
    }
}
