//! The parts of an xlsx package the sheet reader needs before it reads a sheet: where each
//! worksheet is (`_rels/.rels` → the workbook → its relationships), the shared strings and
//! the number formats of the cell styles.
//!
//! Any part that is missing or does not read makes [`Package::open`] answer `None`, and the
//! importer reads the workbook with calamine alone: this reader is a faster road to the same
//! cells, never the only one.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use zip::ZipArchive;

use super::format::{NumberKind, builtin_kind, custom_kind, unescape_excel};
use crate::values::Cell;

/// An opened xlsx package and what every sheet shares.
pub(super) struct Package {
    pub(super) archive: ZipArchive<BufReader<File>>,
    /// Part names by lower-case name with `/` separators (package part names are
    /// case-insensitive, and some writers use `\`).
    pub(super) names: HashMap<String, String>,
    /// Worksheet name → its part.
    pub(super) sheets: Vec<(String, String)>,
    /// The shared strings, each already as the cell it makes (blank text is empty).
    pub(super) strings: Vec<Cell>,
    /// The number kind of each cell style (`cellXfs` order), by the style's `numFmtId`.
    pub(super) kinds: Vec<NumberKind>,
}

type Failed = ();

impl Package {
    pub(super) fn open(path: &Path) -> Option<Package> {
        let file = File::open(path).ok()?;
        let archive = ZipArchive::new(BufReader::new(file)).ok()?;
        let names = archive
            .file_names()
            .filter_map(Result::ok)
            .map(|name| {
                (
                    name.replace('\\', "/").to_ascii_lowercase(),
                    name.into_owned(),
                )
            })
            .collect();
        let mut package = Package {
            archive,
            names,
            sheets: Vec::new(),
            strings: Vec::new(),
            kinds: Vec::new(),
        };
        package.read_structure().ok()?;
        Some(package)
    }

    fn part(&mut self, name: &str) -> Option<zip::read::ZipFile<'_, BufReader<File>>> {
        part(&mut self.archive, &self.names, name)
    }

    fn read_structure(&mut self) -> Result<(), Failed> {
        let document = {
            let part = self.part("_rels/.rels").ok_or(())?;
            relationships(xml(part))?
                .into_iter()
                .find(|rel| rel.kind.ends_with("/relationships/officeDocument"))
                .map(|rel| rel.target)
                .ok_or(())?
        };
        let document = document.strip_prefix('/').unwrap_or(&document).to_owned();
        let (folder, file) = match document.rfind('/') {
            Some(at) => document.split_at(at + 1),
            None => ("", document.as_str()),
        };
        let rels = {
            let part = self.part(&format!("{folder}_rels/{file}.rels")).ok_or(())?;
            relationships(xml(part))?
        };
        let sheets = {
            let part = self.part(&document).ok_or(())?;
            worksheets(xml(part), &rels, folder)?
        };
        self.sheets = sheets;
        let strings = match self.part(&format!("{folder}sharedStrings.xml")) {
            Some(part) => shared_strings(xml(part))?,
            None => Vec::new(),
        };
        self.strings = strings;
        let kinds = match self.part(&format!("{folder}styles.xml")) {
            Some(part) => style_kinds(xml(part))?,
            None => Vec::new(),
        };
        self.kinds = kinds;
        Ok(())
    }
}

/// The part named `name` (matched without case), if the package has it.
pub(super) fn part<'a>(
    archive: &'a mut ZipArchive<BufReader<File>>,
    names: &HashMap<String, String>,
    name: &str,
) -> Option<zip::read::ZipFile<'a, BufReader<File>>> {
    let actual = names.get(&name.replace('\\', "/").to_ascii_lowercase())?;
    archive.by_name(actual).ok()
}

fn xml<R: Read>(part: R) -> Reader<BufReader<R>> {
    let mut reader = Reader::from_reader(BufReader::new(part));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.expand_empty_elements = true;
    config.trim_text(false);
    reader
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

/// The raw value of the first attribute whose name `matches`.
fn find_attribute(
    element: &BytesStart<'_>,
    matches: impl Fn(&quick_xml::name::QName<'_>) -> bool,
) -> Result<Option<String>, Failed> {
    for attr in element.attributes().with_checks(false) {
        let attr = attr.map_err(|_| ())?;
        if matches(&attr.key) {
            return Ok(Some(attr.value.into_owned()));
        }
    }
    Ok(None)
}

fn unescaped(value: Option<String>) -> Result<Option<String>, Failed> {
    value
        .map(|v| {
            Ok(quick_xml::escape::unescape(&v)
                .map_err(|_| ())?
                .into_owned())
        })
        .transpose()
}

fn attribute(element: &BytesStart<'_>, key: &str) -> Result<Option<String>, Failed> {
    unescaped(find_attribute(element, |name| name.as_ref() == key)?)
}

/// The attribute whose local name is `key` (`r:id` for `id`).
fn attribute_local(element: &BytesStart<'_>, key: &str) -> Result<Option<String>, Failed> {
    unescaped(find_attribute(element, |name| {
        name.local_name().as_ref() == key
    })?)
}

fn relationships<R: BufRead>(mut xml: Reader<R>) -> Result<Vec<Relationship>, Failed> {
    let mut found = Vec::new();
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| ())? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                if let Some(id) = attribute(&e, "Id")? {
                    found.push(Relationship {
                        id,
                        kind: attribute(&e, "Type")?.unwrap_or_default(),
                        target: attribute(&e, "Target")?.unwrap_or_default(),
                    });
                }
            }
            Event::Eof => return Ok(found),
            _ => {}
        }
        buf.clear();
    }
}

/// The workbook's worksheets in order, each with its part name.
fn worksheets<R: BufRead>(
    mut xml: Reader<R>,
    rels: &[Relationship],
    folder: &str,
) -> Result<Vec<(String, String)>, Failed> {
    let mut sheets = Vec::new();
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(|_| ())? {
            Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                let name = attribute(&e, "name")?.ok_or(())?;
                let id = attribute_local(&e, "id")?.ok_or(())?;
                // The last of duplicate ids wins, as in calamine's map.
                let rel = rels.iter().rev().find(|rel| rel.id == id).ok_or(())?;
                if rel.kind.rsplit('/').next() == Some("worksheet") {
                    let part = match rel.target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("{folder}{}", rel.target),
                    };
                    sheets.push((name, part));
                }
            }
            Event::Eof => return Ok(sheets),
            _ => {}
        }
        buf.clear();
    }
}

/// Appends an entity reference (`&amp;`, `&#x41;`) to `out`.
pub(super) fn push_entity(entity: &BytesRef<'_>, out: &mut String) -> Result<(), Failed> {
    if let Some(text) = quick_xml::escape::resolve_xml_entity(entity) {
        out.push_str(text);
        return Ok(());
    }
    match entity.resolve_char_ref() {
        Ok(Some(ch)) => {
            out.push(ch);
            Ok(())
        }
        _ => Err(()),
    }
}

/// The text of a string item (`<si>`, or a cell's `<is>`) whose start the reader has just
/// read: its `<t>` runs joined, phonetic runs (`<rPh>`) left out, each run trimmed of ASCII
/// white space unless `xml:space="preserve"`, and Excel's `_xHHHH_` escapes undone.
pub(super) fn string_item<'a>(
    next: &mut dyn FnMut() -> Result<Event<'a>, Failed>,
    closing: &str,
) -> Result<String, Failed> {
    let mut text = String::new();
    let mut phonetic = false;
    loop {
        match next()? {
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::End(e) if e.name().as_ref() == closing => return Ok(text),
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = raw_attribute(&e, "xml:space")?.is_some_and(|v| v == "preserve");
                let mut run = String::new();
                loop {
                    match next()? {
                        Event::Text(t) => run.push_str(&t.xml10_content()),
                        Event::CData(t) => run.push_str(&t.xml10_content()),
                        Event::GeneralRef(r) => push_entity(&r, &mut run)?,
                        Event::End(end) if end.name() == e.name() => break,
                        Event::Eof => return Err(()),
                        _ => {}
                    }
                }
                let run = if preserve {
                    run.as_str()
                } else {
                    run.trim_matches([' ', '\t', '\r', '\n'])
                };
                text.push_str(&unescape_excel(run));
            }
            Event::Eof => return Err(()),
            _ => {}
        }
    }
}

fn shared_strings<R: BufRead>(mut xml: Reader<R>) -> Result<Vec<Cell>, Failed> {
    let mut strings = Vec::new();
    let mut buf = Vec::new();
    let mut inner = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|_| ())? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let closing = e.name().as_ref().to_owned();
                let text = string_item(
                    &mut || {
                        inner.clear();
                        xml.read_event_into(&mut inner)
                            .map(Event::into_owned)
                            .map_err(|_| ())
                    },
                    &closing,
                )?;
                strings.push(crate::source::cells::text(&text));
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(strings),
            Event::Eof => return Err(()),
            _ => {}
        }
    }
}

/// The number kind of every cell style in `cellXfs`, in order.
fn style_kinds<R: BufRead>(mut xml: Reader<R>) -> Result<Vec<NumberKind>, Failed> {
    let mut custom: HashMap<String, NumberKind> = HashMap::new();
    let mut kinds = Vec::new();
    let mut in_cell_xfs = false;
    let mut in_num_fmts = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|_| ())? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => in_num_fmts = true,
            Event::End(e) if e.local_name().as_ref() == "numFmts" => in_num_fmts = false,
            Event::Start(e) if in_num_fmts && e.local_name().as_ref() == "numFmt" => {
                let (Some(id), Some(code)) =
                    (raw_attribute(&e, "numFmtId")?, attribute(&e, "formatCode")?)
                else {
                    continue;
                };
                custom.insert(id, custom_kind(&code));
            }
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = true,
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Start(e) if in_cell_xfs && e.local_name().as_ref() == "xf" => {
                let kind = match raw_attribute(&e, "numFmtId")? {
                    None => NumberKind::Plain,
                    Some(id) => custom
                        .get(&id)
                        .copied()
                        .unwrap_or_else(|| builtin_kind(&id)),
                };
                kinds.push(kind);
            }
            Event::Eof => return Ok(kinds),
            _ => {}
        }
    }
}

/// An attribute's value as written (ids are not unescaped).
fn raw_attribute(element: &BytesStart<'_>, key: &str) -> Result<Option<String>, Failed> {
    find_attribute(element, |name| name.as_ref() == key)
}
