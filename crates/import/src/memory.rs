//! Remembered header mappings: a mapping the user gave once for a workbook shape is used again
//! for every workbook whose header row has the same signature.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::headers::Mapping;
use crate::outcome::{Import, SheetRole};
use crate::values::BlankGas;
use crate::write::WriteFileError;

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

    /// Writes the memory file whole or not at all ([`crate::replace_file`]: a crash never
    /// leaves half a file, and Windows' brief locks by scanners and sync clients are waited
    /// out), creating its folder if need be.
    pub fn save(&self, path: &Path) -> Result<(), WriteFileError> {
        let failed = |detail: String| WriteFileError::Failed {
            path: path.to_owned(),
            detail,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| failed(e.to_string()))?;
        crate::replace_file(path, text.as_bytes())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_is_kept_whole_in_a_folder_made_for_it_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("nested").join("header-mappings.json");
        let mut memory = MappingMemory::default();
        memory
            .by_signature
            .insert("asset id|date".into(), Mapping::default());
        memory.save(&path).expect("saved");
        assert_eq!(MappingMemory::load(&path).expect("read"), memory);
        // Saved again over itself: nothing beside it is left behind.
        memory.save(&path).expect("saved again");
        let beside: Vec<_> = std::fs::read_dir(path.parent().expect("folder"))
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(beside, ["header-mappings.json"]);
    }

    #[test]
    fn a_read_only_memory_file_is_refused_with_its_code_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("header-mappings.json");
        std::fs::write(&path, b"{}").expect("old");
        let mut permissions = std::fs::metadata(&path).expect("meta").permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&path, permissions).expect("read-only");
        let error = MappingMemory::default().save(&path).expect_err("read-only");
        assert_eq!(error.code(), "file_read_only");
        assert_eq!(std::fs::read(&path).expect("kept"), b"{}");
    }
}
