//! The columns of Substation Bulk's own workbook layout, as the import template writes them
//! and the sample workbooks use them: one English header per field of an [`crate::Asset`] and
//! of a [`crate::Sample`], in order. Here, below both the importer and the sample generator, so
//! that each can name them without depending on the other.

/// Headers of the transformers sheet, in order.
pub const ASSET_HEADERS: [&str; 10] = [
    "Asset ID",
    "Name",
    "Substation",
    "Manufacturer",
    "Year of manufacture",
    "Rated voltage (kV)",
    "Rated power (MVA)",
    "Oil volume (L)",
    "Oil preservation",
    "Communicating OLTC",
];

/// Headers of the samples sheet, in order.
pub const SAMPLE_HEADERS: [&str; 11] = [
    "Asset ID",
    "Date sampled",
    "H2 (ppm)",
    "CH4 (ppm)",
    "C2H6 (ppm)",
    "C2H4 (ppm)",
    "C2H2 (ppm)",
    "CO (ppm)",
    "CO2 (ppm)",
    "O2 (ppm)",
    "N2 (ppm)",
];
