// What the app says for every error code, in English and Korean: what happened and what to do
// about it here, in the app (Settings, a button) — never a command-line flag or command. The
// codes come from Rust (`ErrorCode` in bindings.ts): a code without a text in either language
// fails the type check. The Rust message, which names the file, row or server, is shown
// beneath as the detail.
import { ERROR_CODES, type ErrorCode } from "./bindings";
import type { Lang } from "./format";

/** Codes the UI itself raises. */
export type UiErrorCode = "ui.unexpected" | "ui.no_asset";
export type ShownCode = ErrorCode | UiErrorCode;

export const UI_ERROR_CODES: readonly UiErrorCode[] = ["ui.unexpected", "ui.no_asset"];

/** Codes whose text says all there is: the source's words beneath would only repeat it (in
 *  English, under a Korean text). */
export const SELF_EXPLAINED: ReadonlySet<ShownCode> = new Set<ShownCode>([
  "run_in_progress",
  "no_sync_server",
  "no_sync_token",
  "sync_in_progress",
  "sync.cancelled",
  "import.cancelled",
  "ui.no_asset",
]);

/** An error as the UI shows it: Rust's `ErrorView`, or one the UI raised. */
export type ShownError = { code: ShownCode; message: string; message_ko: string | null };

/** Whether `code` is one the app has texts for. */
export function isShownCode(code: unknown): code is ShownCode {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).concat(UI_ERROR_CODES).includes(code);
}

const en: Record<ShownCode, string> = {
  "no_such_asset": "This transformer is not in the local cache.",
  "run_in_progress": "A diagnosis run is already going; cancel it or wait for it to finish.",
  "unsupported_file": "This file is not a workbook the app opens: use .xlsx, .xlsm, .xls, .xlsb, .ods or .csv.",
  "export_name": "A file is saved only under its format's name (.xlsx, .csv, or .toml for a profile). Choose the name again.",
  "unreadable_file": "The file does not exist or cannot be read.",
  "invalid_settings": "The settings are not valid. Correct them in Settings.",
  "write_failed": "The file could not be written. Choose another folder or name.",
  "file_in_use": "The file is open in another program, so it cannot be replaced. Close it in Excel (or the program that has it open) and export again, or choose another name.",
  "file_read_only": "The file is read-only, so it cannot be replaced. Clear its read-only attribute, or choose another name.",
  "no_sync_server": "No sync server is set: enter its address in Settings.",
  "no_sync_token": "No sync token is stored: enter it in Settings.",
  "sync_in_progress": "A sync is already going.",
  "internal": "An internal error occurred. The log (Settings › Open log folder) tells the developers what happened.",

  "import.file_unreadable": "The workbook cannot be read. Check that it still exists and is not locked, then open it again.",
  "import.file_too_large": "The workbook is larger than the app opens at once. Split it into smaller workbooks.",
  "import.file_encrypted": "The workbook is password-protected. Save an unprotected copy in Excel and open that.",
  "import.not_a_workbook": "The file is not a workbook the app can read, or it is damaged.",
  "import.sheet_unreadable": "A sheet of the workbook cannot be read.",
  "import.mapping_invalid": "The header mapping cannot be used. Choose the columns again.",
  "import.workbook_unmapped": "No sheet has the columns of transformer samples the app recognises. Say which column is which.",
  "import.cancelled": "Opening the workbook was cancelled; nothing was stored.",

  "store.database_unopenable": "The local cache cannot be opened. Check that its folder (Settings) exists and is writable.",
  "store.database_too_new": "The local cache was written by a newer version of Substation Bulk and was left untouched. Update the app, or choose another cache file in Settings.",
  "store.database_migration_failed": "The local cache could not be brought up to this version; it was left as it was.",
  "store.database_error": "The local cache reported an error.",
  "store.database_corrupt_json": "A stored record in the local cache cannot be read.",
  "store.database_writer_stopped": "The local cache stopped accepting changes. Restart the app; nothing already stored is lost.",
  "store.invalid_store_request": "The local cache refused a request.",
  "store.profile_in_use": "This function profile read stored answers or began a run, so it is kept.",
  "report.no_such_asset": "This transformer is not in the local cache, so there is nothing to report.",
  "report.empty_selection": "No transformer matches the table's filter: clear it or choose another.",
  "report.no_korean_font": "No font with Korean letters was found on this computer, so the report cannot be printed. Install one (Malgun Gothic comes with Windows; Noto Sans CJK KR is free).",
  "report.font_unusable": "The font for reports cannot be used.",
  "report.layout": "The report could not be laid out.",
  "report.pdf_unwritable": "The PDF could not be written.",

  "run.no_such_run": "There is no such diagnosis run to resume.",
  "run.no_such_batch": "There is no such import in the local cache.",
  "run.engine_changed": "This run was begun on another engine or function; it resumes only on that one. Start a new run instead.",
  "run.internal": "The diagnosis run stopped unexpectedly. What was diagnosed is kept; resume the run.",

  "sync.bad_server_url": "The sync server address is not valid. Correct it in Settings.",
  "sync.insecure_server_url": "The sync server address must start with https:// (plain http only to this computer).",
  "sync.unauthorized": "The server refused the token. Enter a new one in Settings.",
  "sync.forbidden": "The server does not let this token sync. Ask its administrator.",
  "sync.request_refused": "The server or a proxy on the way refused the request. Nothing was marked rejected; every item stays queued. Ask your IT department about the proxy if this persists.",
  "sync.server_error": "The sync server had an error. Nothing was lost; the next sync resumes.",
  "sync.server_unreachable": "The server could not be reached. Nothing was lost; the next sync resumes.",
  "sync.bad_answer": "The sync server's answer was not understood. Nothing was lost; the next sync tries again.",
  "sync.protocol_version_mismatch": "The sync server speaks another version of the sync protocol. Update the app, or ask the server's administrator.",
  "sync.cancelled": "The sync was cancelled. Nothing was lost; the next sync resumes.",
  "sync.no_token": "No sync token is stored: enter it in Settings.",
  "sync.credential_store_unavailable": "The system's credential store (Windows Credential Manager, macOS Keychain) cannot be used, so the token cannot be kept.",
  "sync.http_client_unavailable": "The app cannot make network connections on this computer.",
  "sync.usage": "The sync settings are not valid. Correct them in Settings.",

  "profile.profile_format": "The function profile is not a valid profile file.",
  "profile.profile_filter": "A filter in the function profile is not valid.",
  "profile.profile_invalid": "The function profile is not valid.",
  "profile.profile_too_large": "The function profile file is too large.",
  "profile.no_such_profile": "This function profile is not stored. Choose another in Settings.",

  "engine.no_function": "No Lambda function name is set. Enter it in Settings.",
  "engine.no_region": "No AWS region is set. Choose one in Settings, or set it in the AWS profile.",
  "engine.no_credentials": "No valid AWS credentials were found, or they have expired. Sign in to AWS again for the chosen profile, then resume the run.",
  "engine.request_too_large": "This transformer's history is too large to send to the Lambda function.",
  "engine.throttled": "AWS Lambda is throttling the calls. The run slows down and retries by itself.",
  "engine.function_not_found": "The Lambda function was not found. Check its name and the AWS region in Settings.",
  "engine.function_misconfigured": "The Lambda function cannot run as deployed. Its owner has to fix the deployment.",
  "engine.access_denied": "AWS denied access to the Lambda function. Ask your AWS administrator for permission to invoke it.",
  "engine.service_error": "AWS Lambda had an error. Resume the run later.",
  "engine.lambda_refused": "AWS Lambda refused the call.",
  "engine.timeout": "The diagnosis did not answer in time.",
  "engine.request_not_sent": "The request could not be sent to AWS.",
  "engine.connection": "AWS could not be reached. Check the network; a stopped run can be resumed.",
  "engine.request_not_built": "The request to AWS could not be built.",
  "engine.unknown": "The call to AWS failed for an unknown reason.",
  "engine.function_error": "The diagnosis function reported an error.",
  "engine.malformed_response": "The function's answer is not a diagnosis this app reads.",
  "engine.unsupported_contract_version": "The function speaks another version of the diagnosis contract. Deploy the function that matches this app.",
  "engine.request_transform_failed": "The function profile could not build the request for this transformer.",
  "engine.internal": "The diagnosis engine had an internal error.",
  "engine.not_called": "The function was not called.",
  "engine.malformed_request": "The diagnosis request was not valid.",
  "engine.invalid_request": "The transformer's data cannot be diagnosed as it is.",
  "engine.invalid_limits": "The gas limit table is not valid.",
  "engine.answer_not_json": "The function's answer is not JSON.",
  "engine.no_samples": "This transformer has no sample to diagnose.",
  "engine.function_refused": "The function said it could not diagnose this transformer.",
  "engine.answer_missing_field": "The function's answer lacks a field the profile requires.",
  "engine.answer_unexpected_value": "The function's answer holds a value the profile does not expect.",
  "engine.answer_filter_failed": "A filter of the profile failed on the function's answer.",

  "ui.unexpected": "Something unexpected happened.",
  "ui.no_asset": "Open a workbook first: the test needs a transformer from the cache.",
};

const ko: Record<ShownCode, string> = {
  "no_such_asset": "이 변압기는 로컬 캐시에 없습니다.",
  "run_in_progress": "이미 진단이 실행 중입니다. 취소하거나 끝날 때까지 기다리십시오.",
  "unsupported_file": "열 수 없는 파일 형식입니다. .xlsx, .xlsm, .xls, .xlsb, .ods, .csv 파일을 사용하십시오.",
  "export_name": "파일은 형식에 맞는 이름(.xlsx, .csv, 프로필은 .toml)으로만 저장합니다. 이름을 다시 지정하십시오.",
  "unreadable_file": "파일이 없거나 읽을 수 없습니다.",
  "invalid_settings": "설정 값이 올바르지 않습니다. 설정에서 고치십시오.",
  "write_failed": "파일을 저장할 수 없습니다. 다른 폴더나 이름을 선택하십시오.",
  "file_in_use": "파일이 다른 프로그램에서 열려 있어 덮어쓸 수 없습니다. Excel(또는 파일을 사용 중인 프로그램)에서 파일을 닫은 뒤 다시 내보내거나, 다른 이름으로 저장하십시오.",
  "file_read_only": "읽기 전용 파일이라 덮어쓸 수 없습니다. 파일의 읽기 전용 속성을 해제하거나, 다른 이름으로 저장하십시오.",
  "no_sync_server": "동기화 서버가 설정되지 않았습니다. 설정에서 주소를 입력하십시오.",
  "no_sync_token": "동기화 토큰이 저장되어 있지 않습니다. 설정에서 입력하십시오.",
  "sync_in_progress": "이미 동기화 중입니다.",
  "internal": "내부 오류가 발생했습니다. 로그(설정 › 로그 폴더 열기)에 개발자가 원인을 찾을 수 있는 기록이 있습니다.",

  "import.file_unreadable": "통합 문서를 읽을 수 없습니다. 파일이 그대로 있고 잠겨 있지 않은지 확인한 뒤 다시 여십시오.",
  "import.file_too_large": "통합 문서가 한 번에 열 수 있는 크기보다 큽니다. 더 작은 파일로 나누십시오.",
  "import.file_encrypted": "암호로 보호된 통합 문서입니다. Excel에서 보호를 해제한 사본을 저장해 여십시오.",
  "import.not_a_workbook": "앱이 읽을 수 있는 통합 문서가 아니거나 파일이 손상되었습니다.",
  "import.sheet_unreadable": "통합 문서의 시트 하나를 읽을 수 없습니다.",
  "import.mapping_invalid": "머리글 매핑을 사용할 수 없습니다. 열을 다시 지정하십시오.",
  "import.workbook_unmapped": "앱이 알아보는 변압기 시료 열을 가진 시트가 없습니다. 어느 열이 무엇인지 지정하십시오.",
  "import.cancelled": "통합 문서 열기를 취소했습니다. 저장된 것은 없습니다.",

  "store.database_unopenable": "로컬 캐시를 열 수 없습니다. 캐시 폴더(설정)가 있고 쓰기 가능한지 확인하십시오.",
  "store.database_too_new": "로컬 캐시가 더 새 버전의 Substation Bulk로 기록되어 손대지 않았습니다. 앱을 업데이트하거나 설정에서 다른 캐시 파일을 선택하십시오.",
  "store.database_migration_failed": "로컬 캐시를 이 버전에 맞게 바꿀 수 없어 그대로 두었습니다.",
  "store.database_error": "로컬 캐시에서 오류가 발생했습니다.",
  "store.database_corrupt_json": "로컬 캐시에 저장된 기록 하나를 읽을 수 없습니다.",
  "store.database_writer_stopped": "로컬 캐시가 변경을 더 받지 않습니다. 앱을 다시 시작하십시오. 이미 저장된 것은 잃지 않습니다.",
  "store.invalid_store_request": "로컬 캐시가 요청을 거부했습니다.",
  "store.profile_in_use": "이 함수 프로필로 읽은 답이나 시작한 진단이 있어 삭제하지 않고 보관합니다.",
  "report.no_such_asset": "이 변압기는 로컬 캐시에 없어 보고서를 만들 수 없습니다.",
  "report.empty_selection": "표의 필터에 맞는 변압기가 없습니다. 필터를 지우거나 다른 조건을 선택하세요.",
  "report.no_korean_font": "이 컴퓨터에서 한글 글꼴을 찾지 못해 보고서를 만들 수 없습니다. 한글 글꼴을 설치하세요 (Windows에는 맑은 고딕이 기본으로 있고, Noto Sans CJK KR은 무료입니다).",
  "report.font_unusable": "보고서용 글꼴을 사용할 수 없습니다.",
  "report.layout": "보고서를 배치하지 못했습니다.",
  "report.pdf_unwritable": "PDF 파일을 만들지 못했습니다.",

  "run.no_such_run": "이어서 할 진단 실행이 없습니다.",
  "run.no_such_batch": "로컬 캐시에 그런 가져오기 기록이 없습니다.",
  "run.engine_changed": "이 진단은 다른 엔진이나 함수로 시작되어 그것으로만 이어서 할 수 있습니다. 새로 진단을 시작하십시오.",
  "run.internal": "진단 실행이 예기치 않게 멈췄습니다. 진단된 결과는 보관되어 있으니 이어서 실행하십시오.",

  "sync.bad_server_url": "동기화 서버 주소가 올바르지 않습니다. 설정에서 고치십시오.",
  "sync.insecure_server_url": "동기화 서버 주소는 https://로 시작해야 합니다(http는 이 컴퓨터로만 허용).",
  "sync.unauthorized": "서버가 토큰을 거부했습니다. 설정에서 새 토큰을 입력하십시오.",
  "sync.forbidden": "서버가 이 토큰의 동기화를 허용하지 않습니다. 서버 관리자에게 문의하십시오.",
  "sync.request_refused": "서버 또는 중간 프록시가 요청을 거부했습니다. 거부 처리된 항목은 없으며 모든 항목이 대기열에 남아 있습니다. 계속되면 IT 부서에 프록시 설정을 문의하십시오.",
  "sync.server_error": "동기화 서버에서 오류가 발생했습니다. 잃은 것은 없으며 다음 동기화 때 이어서 진행합니다.",
  "sync.server_unreachable": "서버에 연결할 수 없습니다. 잃은 것은 없으며 다음 동기화 때 이어서 진행합니다.",
  "sync.bad_answer": "동기화 서버의 응답을 이해할 수 없습니다. 잃은 것은 없으며 다음 동기화 때 다시 시도합니다.",
  "sync.protocol_version_mismatch": "동기화 서버의 프로토콜 버전이 다릅니다. 앱을 업데이트하거나 서버 관리자에게 문의하십시오.",
  "sync.cancelled": "동기화를 취소했습니다. 잃은 것은 없으며 다음 동기화 때 이어서 진행합니다.",
  "sync.no_token": "동기화 토큰이 저장되어 있지 않습니다. 설정에서 입력하십시오.",
  "sync.credential_store_unavailable": "시스템 자격 증명 저장소(Windows 자격 증명 관리자, macOS 키체인)를 사용할 수 없어 토큰을 보관할 수 없습니다.",
  "sync.http_client_unavailable": "이 컴퓨터에서 앱이 네트워크에 연결할 수 없습니다.",
  "sync.usage": "동기화 설정이 올바르지 않습니다. 설정에서 고치십시오.",

  "profile.profile_format": "올바른 함수 프로필 파일이 아닙니다.",
  "profile.profile_filter": "함수 프로필의 필터 하나가 올바르지 않습니다.",
  "profile.profile_invalid": "함수 프로필이 올바르지 않습니다.",
  "profile.profile_too_large": "함수 프로필 파일이 너무 큽니다.",
  "profile.no_such_profile": "저장되지 않은 함수 프로필입니다. 설정에서 다른 프로필을 선택하십시오.",

  "engine.no_function": "Lambda 함수 이름이 설정되지 않았습니다. 설정에서 입력하십시오.",
  "engine.no_region": "AWS 리전이 설정되지 않았습니다. 설정에서 고르거나 AWS 프로필에 지정하십시오.",
  "engine.no_credentials": "유효한 AWS 자격 증명이 없거나 만료되었습니다. 선택한 프로필로 AWS에 다시 로그인한 뒤 진단을 이어서 실행하십시오.",
  "engine.request_too_large": "이 변압기의 이력이 너무 커서 Lambda 함수로 보낼 수 없습니다.",
  "engine.throttled": "AWS Lambda가 호출을 제한하고 있습니다. 속도를 줄여 자동으로 다시 시도합니다.",
  "engine.function_not_found": "Lambda 함수를 찾을 수 없습니다. 설정에서 함수 이름과 AWS 리전을 확인하십시오.",
  "engine.function_misconfigured": "배포된 Lambda 함수가 실행되지 않습니다. 함수 담당자가 배포를 고쳐야 합니다.",
  "engine.access_denied": "AWS가 Lambda 함수 호출을 거부했습니다. AWS 관리자에게 호출 권한을 요청하십시오.",
  "engine.service_error": "AWS Lambda에서 오류가 발생했습니다. 나중에 진단을 이어서 실행하십시오.",
  "engine.lambda_refused": "AWS Lambda가 호출을 거부했습니다.",
  "engine.timeout": "진단이 제한 시간 안에 응답하지 않았습니다.",
  "engine.request_not_sent": "요청을 AWS로 보낼 수 없었습니다.",
  "engine.connection": "AWS에 연결할 수 없습니다. 네트워크를 확인하십시오. 멈춘 진단은 이어서 실행할 수 있습니다.",
  "engine.request_not_built": "AWS로 보낼 요청을 만들 수 없었습니다.",
  "engine.unknown": "알 수 없는 이유로 AWS 호출이 실패했습니다.",
  "engine.function_error": "진단 함수가 오류를 보고했습니다.",
  "engine.malformed_response": "함수의 응답이 이 앱이 읽는 진단 형식이 아닙니다.",
  "engine.unsupported_contract_version": "함수의 진단 계약 버전이 다릅니다. 이 앱에 맞는 함수를 배포하십시오.",
  "engine.request_transform_failed": "함수 프로필로 이 변압기의 요청을 만들 수 없었습니다.",
  "engine.internal": "진단 엔진에서 내부 오류가 발생했습니다.",
  "engine.not_called": "함수를 호출하지 않았습니다.",
  "engine.malformed_request": "진단 요청이 올바르지 않습니다.",
  "engine.invalid_request": "이 변압기의 데이터로는 진단할 수 없습니다.",
  "engine.invalid_limits": "가스 한계값 표가 올바르지 않습니다.",
  "engine.answer_not_json": "함수의 응답이 JSON이 아닙니다.",
  "engine.no_samples": "이 변압기에는 진단할 시료가 없습니다.",
  "engine.function_refused": "함수가 이 변압기를 진단할 수 없다고 답했습니다.",
  "engine.answer_missing_field": "함수의 응답에 프로필이 요구하는 항목이 없습니다.",
  "engine.answer_unexpected_value": "함수의 응답에 프로필이 예상하지 않은 값이 있습니다.",
  "engine.answer_filter_failed": "프로필의 필터가 함수의 응답을 처리하지 못했습니다.",

  "ui.unexpected": "예기치 않은 오류가 발생했습니다.",
  "ui.no_asset": "먼저 통합 문서를 여십시오. 시험하려면 캐시에 변압기가 있어야 합니다.",
};

export const errorTexts: Record<Lang, Record<ShownCode, string>> = { en, ko };
