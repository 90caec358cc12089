//! Where the cache lives: the database in the per-user local folder, the settings in the
//! per-user (roaming, on Windows) folder, and a database an earlier version kept beside the
//! settings found where it is.

use substation_store::{APP_IDENTIFIER, DATABASE_FILE, database_in};

#[test]
fn an_earlier_database_beside_the_settings_is_used_until_one_is_in_the_local_folder() {
    // Spaces and a Korean user name, as in C:\Users\김철수\AppData\….
    let home = tempfile::Builder::new()
        .prefix("김철수 home ")
        .tempdir()
        .expect("temp dir");
    let local = home.path().join("Local").join(APP_IDENTIFIER);
    let roaming = home.path().join("Roaming").join(APP_IDENTIFIER);
    std::fs::create_dir_all(&local).expect("local");
    std::fs::create_dir_all(&roaming).expect("roaming");
    // Nothing anywhere: the local folder.
    assert_eq!(database_in(&local, &roaming), local.join(DATABASE_FILE));
    // An earlier version's database beside the settings: kept where it is.
    let earlier = roaming.join(DATABASE_FILE);
    let store = substation_store::Store::open(&earlier).expect("open");
    drop(store);
    assert_eq!(database_in(&local, &roaming), earlier);
    // Once there is one in the local folder, that one.
    let store = substation_store::Store::open(&local.join(DATABASE_FILE)).expect("open");
    drop(store);
    assert_eq!(database_in(&local, &roaming), local.join(DATABASE_FILE));
}

/// On Windows the folders are the ones the OS gives each user (under Wine here:
/// `C:\users\<name>\AppData\…`).
#[cfg(windows)]
#[test]
fn on_windows_the_database_is_local_and_the_settings_roam() {
    assert!(
        std::env::var_os("SUBSTATION_DATA_DIR").is_none(),
        "this test reads the OS's own folders: run it without SUBSTATION_DATA_DIR"
    );
    let folder = |name: &str| {
        std::path::PathBuf::from(std::env::var_os(name).expect(name)).join(APP_IDENTIFIER)
    };
    assert_eq!(
        substation_store::default_database_dir(),
        folder("LOCALAPPDATA")
    );
    assert_eq!(substation_store::default_data_dir(), folder("APPDATA"));
}
