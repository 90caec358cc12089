//! Remembered header mappings: a mapping the user gave once for a workbook shape is used again
//! for every workbook whose header row has the same signature.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::headers::Mapping;
use crate::outcome::{Import, SheetRole};
use crate::values::BlankGas;

/// Mappings by header signature ([`crate::headers::signature`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MappingMemory {
    pub by_signature: BTreeMap<String, Mapping>,
}

impl MappingMemory {
    /// Reads the memory file; a missing file is an empty memory.
    pub fn load(path: &Path) -> Result<MappingMemory, ImportError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MappingMemory::default());
            }
            Err(source) => {
                return Err(ImportError::Unreadable {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| ImportError::Mapping {
            path: path.to_owned(),
            detail: e.to_string(),
        })
    }

    /// Writes the memory file atomically (a temporary file renamed over the old one), so a
    /// crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), ImportError> {
        let io = |source: std::io::Error| ImportError::Unreadable {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| ImportError::Mapping {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }

    /// Remembers `mapping` for the header signature of every sheet the import read, keeping a
    /// blank-cell choice remembered earlier when `mapping` makes none.
    pub fn remember(&mut self, import: &Import, mapping: &Mapping) {
        if mapping.columns.is_empty() {
            return;
        }
        for sheet in import
            .sheets
            .iter()
            .filter(|s| s.role != SheetRole::Ignored)
        {
            let entry = self
                .by_signature
                .entry(sheet.signature.clone())
                .or_default();
            let blank_gas = mapping.blank_gas.or(entry.blank_gas);
            *entry = mapping.clone();
            entry.blank_gas = blank_gas;
        }
    }

    /// Remembers what blank gas cells mean for workbooks with the header rows of `import`.
    pub fn remember_blank_gas(&mut self, import: &Import, choice: BlankGas) {
        for sheet in import
            .sheets
            .iter()
            .filter(|s| s.role != SheetRole::Ignored)
        {
            self.by_signature
                .entry(sheet.signature.clone())
                .or_default()
                .blank_gas = Some(choice);
        }
    }

    pub fn lookup(&self, signature: &str) -> Option<&Mapping> {
        self.by_signature.get(signature)
    }
}
