//! Differential tests: every workbook read by our sheet reader and by calamine gives the same
//! rows, cell for cell.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use calamine::{Reader, Xlsx};
use proptest::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

use super::{FastXlsx, Outcome};
use crate::source::cells::stream_cells;
use crate::values::Cell;

type Rows = Vec<(u32, Vec<Cell>)>;

/// A sheet's rows as calamine reads them, or its error.
fn by_calamine(path: &Path, sheet: &str) -> Result<Rows, String> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| e.to_string())?;
    let mut cells = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    stream_cells(|| cells.next_cell(), &mut |row, cells| {
        rows.push((row, cells));
        ControlFlow::Continue(())
    })?;
    Ok(rows)
}

/// A sheet's rows as our reader reads them; `Err(None)` when it leaves the sheet to calamine.
fn by_ours(path: &Path, sheet: &str) -> Result<Rows, Option<String>> {
    let workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e: calamine::XlsxError| Some(e.to_string()))?;
    let mut fast = FastXlsx::open(path, workbook.has_1904_epoch()).ok_or(None)?;
    let mut rows = Vec::new();
    let read = fast.read(sheet, &mut |row, cells| {
        rows.push((row, cells));
        ControlFlow::Continue(())
    });
    match read {
        Outcome::Done => Ok(rows),
        Outcome::LeftToCalamine => Err(None),
        Outcome::Failed(detail) => Err(Some(detail)),
    }
}

/// Spelled out, so NaN equals NaN and -0 differs from 0.
fn spelled(rows: &Rows) -> Vec<String> {
    rows.iter().map(|row| format!("{row:?}")).collect()
}

/// Asserts both readers read every sheet of `path` alike, and that ours read them itself.
fn read_alike(path: &Path) {
    let workbook: Xlsx<_> = calamine::open_workbook(path).expect("calamine opens the workbook");
    let names = workbook.sheet_names();
    assert!(!names.is_empty());
    for name in names {
        let theirs = by_calamine(path, &name).expect("calamine reads the sheet");
        let ours = by_ours(path, &name)
            .unwrap_or_else(|e| panic!("{}: sheet {name} not read: {e:?}", path.display()));
        assert_eq!(
            spelled(&ours),
            spelled(&theirs),
            "{}: {name}",
            path.display()
        );
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("substation-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir.join(name)
}

#[test]
fn the_sample_workbooks_read_alike() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&root).expect("samples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "xlsx") {
            read_alike(&path);
            seen += 1;
        }
    }
    assert!(seen >= 3, "only {seen} sample workbooks");
}

#[test]
fn a_sheet_of_many_blocks_reads_alike() {
    let path = scratch("big.xlsx");
    substation_samplegen::big::run(&path, 300, 150, 11, false).expect("big workbook");
    read_alike(&path);
    let rows = by_ours(&path, "Samples").expect("read");
    assert!(rows.len() > 40_000, "{} rows", rows.len());
}

/// Writes a package whose parts are given as text.
fn package(path: &Path, parts: &[(&str, &str)]) {
    let file = std::fs::File::create(path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(*name, options).expect("part");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd;@"/><numFmt numFmtId="165" formatCode="0.0&quot; ppm&quot;"/></numFmts><cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellStyleXfs><cellXfs count="6"><xf numFmtId="0" xfId="0"/><xf numFmtId="22" xfId="0" applyNumberFormat="1"/><xf numFmtId="46" xfId="0"/><xf numFmtId="164" xfId="0"><alignment horizontal="left"/></xf><xf numFmtId="165" xfId="0"/><xf xfId="0"/></cellXfs></styleSheet>"#;

const STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4"><si><t>Asset &amp; ID</t></si><si><r><rPr><b/></rPr><t xml:space="preserve">Ri </t></r><r><t>ch</t></r><rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t>   </t></si><si><t>line_x000D_break &#xAC00;</t></si><si/></sst>"#;

fn workbook_xml(date1904: bool) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="{}"/><sheets><sheet name="Lab &amp; data" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        u8::from(date1904)
    )
}

/// A sheet with what Excel and other writers put in cells: a namespace prefix, cells and rows
/// without `r`, every cell type, formulas, comments and CDATA among the rows.
const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:Z9"/><x:sheetData>
<!-- a comment holding </x:row> -->
<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="s"><x:v>2</x:v></x:c><x:c r="E1" t="inlineStr"><x:is><x:r><x:t xml:space="preserve"> rich </x:t></x:r><x:r><x:t> run </x:t></x:r><x:rPh><x:t>phonetic</x:t></x:rPh></x:is></x:c><x:c t="s"><x:v>3</x:v></x:c><x:c t="s"><x:v>4</x:v></x:c></x:row>
<x:row><x:c><x:v>12.5</x:v></x:c><x:c s="1"><x:v>45000.5</x:v></x:c><x:c s="2"><x:v>1.25</x:v></x:c><x:c s="3"><x:v>44927</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c><x:c s="4"><x:v>-0</x:v></x:c><x:c s="5"><x:v>1e3</x:v></x:c><x:c s="99"><x:v>7</x:v></x:c></x:row>
<x:row r="5"><x:c r="B5" t="str"><x:v>a &amp; b_x000D_&lt;c&gt;</x:v></x:c><x:c r="C5" s="1"/><x:c><x:f>SUM(A1)</x:f><x:v>3</x:v></x:c><x:c t="d"><x:v>2024-01-02T03:04:05</x:v></x:c><x:c><x:v>not a number</x:v></x:c><x:c t="n"><x:v></x:v></x:c><x:c t="inlineStr"><x:v>9</x:v><x:is><x:t>inline</x:t></x:is></x:c><x:c><x:v>nan</x:v></x:c></x:row>
<x:row r="7" spans="1:3"/>
<x:row><x:c r="A8"><x:v>  7 </x:v></x:c><![CDATA[</x:row>]]><x:c r="Z8" t="b"><x:v>false</x:v></x:c><x:c r="AA8" t="e"><x:v>#DIV/0!</x:v></x:c></x:row>
<?keep going?>
<x:row r="9"><x:c r="c9" t="str"><x:v>lower-case reference</x:v></x:c><x:c r="D9" s="1"><x:v>60</x:v></x:c><x:c r="E9" s="3"><x:v>1</x:v></x:c></x:row>
</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>"#;

fn handmade(name: &str, date1904: bool, sheet: &str) -> PathBuf {
    let path = scratch(name);
    let workbook = workbook_xml(date1904);
    package(
        &path,
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", &workbook),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
            ("xl/sharedStrings.xml", STRINGS),
            ("xl/worksheets/sheet1.xml", sheet),
        ],
    );
    path
}

#[test]
fn every_kind_of_cell_reads_alike() {
    for date1904 in [false, true] {
        let path = handmade(&format!("kinds-{date1904}.xlsx"), date1904, SHEET);
        read_alike(&path);
        let rows = by_ours(&path, "Lab & data").expect("read");
        // The cells this test is about, as calamine reads them too.
        let first = &rows[0].1;
        assert_eq!(first[0], Cell::Text("Asset & ID".to_owned()));
        assert_eq!(first[1], Cell::Text("Ri ch".to_owned()));
        assert_eq!(first[2], Cell::Empty);
        assert_eq!(first[4], Cell::Text(" rich run".to_owned()));
        assert_eq!(first[5], Cell::Text("line\rbreak 가".to_owned()));
        assert!(matches!(rows[1].1[1], Cell::DateTime(_)));
        assert_eq!(rows[1].1[2], Cell::Number(1.25));
        assert!(matches!(rows[1].1[3], Cell::DateTime(_)));
        assert_eq!(rows[1].1[5], Cell::Error("#N/A".to_owned()));
        assert_eq!(rows[2].0, 4);
        assert_eq!(rows[2].1[1], Cell::Text("a & b\r<c>".to_owned()));
        assert_eq!(rows[2].1[5], Cell::Text("not a number".to_owned()));
        assert_eq!(rows[2].1[7], Cell::Text("inline".to_owned()));
        assert!(matches!(rows[2].1[8], Cell::Number(n) if n.is_nan()));
        assert_eq!(rows[3].0, 7);
        assert_eq!(rows[3].1[0], Cell::Text("  7 ".to_owned()));
        assert_eq!(rows[4].0, 8);
    }
}

#[test]
fn plain_rows_and_the_rest_read_alike_in_one_sheet() {
    // Without the prefix, plain rows are read by the scanner and the others by quick-xml.
    let unprefixed = SHEET.replace("<x:", "<").replace("</x:", "</");
    let path = handmade("unprefixed.xlsx", false, &unprefixed);
    read_alike(&path);
    assert_eq!(
        spelled(&by_ours(&path, "Lab & data").expect("read")),
        spelled(&by_ours(&handmade("prefixed.xlsx", false, SHEET), "Lab & data").expect("read"))
    );
}

/// A sheet of several blocks whose rows carry comments, CDATA and processing instructions
/// holding `</row>` and `</sheetData>`, with a long tail after `</sheetData>`.
fn many_blocks(prefix: &str) -> String {
    let p = prefix;
    let mut xml = format!(
        r#"<?xml version="1.0"?><{p}worksheet xmlns{colon}{bare}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><{p}dimension ref="A1:C30000"/><{p}sheetData>"#,
        colon = if p.is_empty() { "" } else { ":" },
        bare = p.trim_end_matches(':'),
    );
    for i in 1..=30_000u32 {
        xml.push_str(&format!(
            r#"<{p}row r="{i}"><{p}c r="A{i}" t="s"><{p}v>{}</{p}v></{p}c>"#,
            i % 4
        ));
        match i % 7 {
            0 => xml.push_str("<!-- </row></sheetData> -->"),
            1 if i % 3 == 0 => xml.push_str("<![CDATA[</row>]]>"),
            2 if i % 5 == 0 => xml.push_str("<?pi </row> ?>"),
            _ => {}
        }
        xml.push_str(&format!(
            r#"<{p}c s="1"><{p}v>{}</{p}v></{p}c></{p}row>"#,
            40_000 + i
        ));
    }
    xml.push_str(&format!("</{p}sheetData>"));
    xml.push_str(&"<!-- a tail after the data, never read -->".repeat(40_000));
    xml.push_str(&format!("</{p}worksheet>"));
    xml
}

#[test]
fn blocks_cut_around_comments_and_prefixes_read_alike() {
    for prefix in ["", "x:"] {
        let sheet = many_blocks(prefix);
        assert!(sheet.len() > 3 << 20, "{} bytes", sheet.len());
        let path = handmade(&format!("blocks-{}.xlsx", prefix.len()), false, &sheet);
        read_alike(&path);
        let rows = by_ours(&path, "Lab & data").expect("read");
        assert_eq!(rows.len(), 30_000);
    }
}

#[test]
fn a_sheet_cut_short_fails_as_calamine_does() {
    let sheet = many_blocks("");
    let cut = sheet.find(r#"<row r="29000">"#).expect("row");
    let path = handmade("short.xlsx", false, &sheet[..cut]);
    assert!(by_calamine(&path, "Lab & data").is_err());
    let Err(Some(detail)) = by_ours(&path, "Lab & data") else {
        panic!("a sheet cut short read");
    };
    assert!(detail.contains("</sheetData>"), "{detail}");
}

#[test]
fn a_sheet_that_breaks_before_its_first_row_is_left_to_calamine() {
    let broken = SHEET.replace(r#"<x:c r="A1" t="s">"#, r#"<x:c r="1A" t="s">"#);
    let path = handmade("early.xlsx", false, &broken);
    assert!(matches!(by_ours(&path, "Lab & data"), Err(None)));
    assert!(by_calamine(&path, "Lab & data").is_err());
}

#[test]
fn a_sheet_that_breaks_after_rows_fails_naming_why() {
    let broken = SHEET.replace(r#"<x:c r="c9" t="str">"#, r#"<x:c r="c9" t="zz">"#);
    let path = handmade("late.xlsx", false, &broken);
    let Err(Some(detail)) = by_ours(&path, "Lab & data") else {
        panic!("the broken sheet read");
    };
    assert!(detail.contains("t=\"zz\""), "{detail}");
    assert!(by_calamine(&path, "Lab & data").is_err());
}

#[test]
fn a_package_without_its_relationships_is_left_to_calamine() {
    let path = scratch("no-rels.xlsx");
    package(&path, &[("xl/workbook.xml", &workbook_xml(false))]);
    assert!(FastXlsx::open(&path, false).is_none());
}

/// One generated cell.
#[derive(Debug, Clone)]
enum Gen {
    Number(f64, usize),
    Text(String),
    Rich(String, String),
    Bool(bool),
    Date(u16, u8, u8, u8, usize),
    Formula(f64),
    TextFormula(String),
    Blank(usize),
}

const FORMATS: &[&str] = &[
    "General",
    "0.00",
    "yyyy-mm-dd",
    "d/m/yyyy h:mm",
    "[h]:mm:ss",
    "hh:mm AM/PM",
    "0.0\" ppm\"",
    "mmm-yy",
    "[$-412]yyyy\"년\" m\"월\" d\"일\"",
    "#,##0;[Red]-#,##0",
    "@",
    "ss.0",
    "[Blue]0.00",
    "dd\\.mm\\.yyyy",
    "0.00E+00",
];

fn gen_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ a-zA-Z0-9&<>\"'_\t\r\n가-힣]{0,12}",
        Just("_x000D_".to_owned()),
        Just("  padded  ".to_owned()),
        Just("12.5".to_owned()),
    ]
}

fn gen_cell() -> impl Strategy<Value = Gen> {
    let format = 0..FORMATS.len();
    prop_oneof![
        (-1e7f64..1e7, format.clone()).prop_map(|(n, f)| Gen::Number(n, f)),
        (0u32..80_000, format.clone()).prop_map(|(n, f)| Gen::Number(f64::from(n), f)),
        gen_text().prop_map(Gen::Text),
        (gen_text(), gen_text()).prop_map(|(a, b)| Gen::Rich(a, b)),
        any::<bool>().prop_map(Gen::Bool),
        (1901u16..2099, 1u8..13, 1u8..29, 0u8..24, format.clone())
            .prop_map(|(y, m, d, h, f)| Gen::Date(y, m, d, h, f)),
        (-1e4f64..1e4).prop_map(Gen::Formula),
        gen_text().prop_map(Gen::TextFormula),
        format.prop_map(Gen::Blank),
    ]
}

fn write_generated(
    path: &Path,
    rows: &[(u32, Vec<(u16, Gen)>)],
    constant_memory: bool,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let formats: Vec<Format> = FORMATS
        .iter()
        .map(|code| Format::new().set_num_format(*code))
        .collect();
    let bold = Format::new().set_bold();
    let sheet = if constant_memory {
        workbook.add_worksheet_with_constant_memory()?
    } else {
        workbook.add_worksheet()
    };
    sheet.set_name("Generated")?;
    for (row, cells) in rows {
        for (col, cell) in cells {
            let (row, col) = (*row, *col);
            match cell {
                Gen::Number(n, f) => {
                    sheet.write_number_with_format(row, col, *n, &formats[*f])?;
                }
                Gen::Text(t) => {
                    sheet.write_string(row, col, t)?;
                }
                Gen::Rich(a, b) if !a.is_empty() && !b.is_empty() => {
                    let default = Format::default();
                    sheet.write_rich_string(row, col, &[(&bold, a), (&default, b)])?;
                }
                Gen::Rich(a, b) => {
                    sheet.write_string(row, col, format!("{a}{b}"))?;
                }
                Gen::Bool(b) => {
                    sheet.write_boolean(row, col, *b)?;
                }
                Gen::Date(y, m, d, h, f) => {
                    let date =
                        ExcelDateTime::from_ymd(*y, *m, *d)?.and_hms(u16::from(*h), 30, 0)?;
                    sheet.write_datetime_with_format(row, col, &date, &formats[*f])?;
                }
                Gen::Formula(n) => {
                    let formula = Formula::new("=1+1").set_result(n.to_string());
                    sheet.write_formula(row, col, formula)?;
                }
                Gen::TextFormula(t) => {
                    let formula = Formula::new("=A1&\"\"").set_result(t.clone());
                    sheet.write_formula(row, col, formula)?;
                }
                Gen::Blank(f) => {
                    sheet.write_blank(row, col, &formats[*f])?;
                }
            }
        }
    }
    workbook.save(path)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_workbooks_read_alike(
        rows in proptest::collection::btree_map(
            0u32..400,
            proptest::collection::btree_map(0u16..40, gen_cell(), 0..10),
            0..25,
        ),
        constant_memory in any::<bool>(),
    ) {
        let rows: Vec<(u32, Vec<(u16, Gen)>)> = rows
            .into_iter()
            .map(|(row, cells)| (row, cells.into_iter().collect()))
            .collect();
        let path = scratch(&format!("generated-{}.xlsx", rows.len()));
        write_generated(&path, &rows, constant_memory).expect("write workbook");
        read_alike(&path);
    }
}
