// Package googlefake is a fake Google Sheets API and OAuth 2.0 token endpoint for tests: an
// httptest server that speaks the REST paths and JSON of the real service closely enough that
// the real google.golang.org/api/sheets/v4 client and the real golang.org/x/oauth2 flows run
// against it unchanged.
//
// Sheets API: spreadsheets.get (honouring fields, ranges and includeGridData),
// values.batchGet (A1 ranges, ROWS or COLUMNS, FORMATTED_VALUE, UNFORMATTED_VALUE and
// FORMULA), values.batchUpdate (RAW and USER_ENTERED) and spreadsheets.batchUpdate (addSheet,
// deleteSheet, updateSheetProperties, appendDimension, updateDimensionProperties,
// addProtectedRange, deleteProtectedRange, setDataValidation, addConditionalFormatRule,
// deleteConditionalFormatRule, addChart, repeatCell; any other kind of request is a 400
// INVALID_ARGUMENT, as Google answers an unknown one). Like the real service it trims trailing
// empty rows and cells from value ranges, refuses to write past a tab's grid ("exceeds grid
// limits"), refuses a request that would take the spreadsheet past 10,000,000 cells (400
// "Invalid requests[i].kind: This action would increase the number of cells in the
// workbook above the limit of 10000000 cells.", as Google answers it), applies a
// spreadsheets.batchUpdate all or nothing, answers errors in Google's JSON
// shape, 404 for an unknown spreadsheet, 401 for a missing, unknown or expired bearer token
// and 403 to a caller the spreadsheet is not shared with. It does not evaluate formulas: a
// formula cell reads as "#NAME?" (its text under valueRenderOption FORMULA).
//
// OAuth 2.0: a token endpoint for the JWT-bearer grant of service-account keys (the RS256
// signature is checked with the key's public key, and iss, aud, scope, iat and exp too), the
// refresh_token grant of authorized_user files and the authorization_code grant (with PKCE)
// of the installed-app flow, whose consent page approves at once as the configured user.
// Token lifetimes are configurable, refresh tokens can be revoked and access tokens expired.
//
// Tests drive it as a person and as an operator would: Edit and SetCell change cells as the
// browser does, AddTab adds a tab of any grid size, DeleteFormatting removes a tab's
// presentation, FailNext answers the next requests with an error (429, 500, ...), Inject
// aims such faults at some kinds of request (Writes), maybe after letting some through
// (After), and may carry the request out before failing it (an answer lost on its way
// back), OnFault lets a person type while a request fails, Count tells how many requests of
// each kind came and Received lists them in order with their answers and body sizes.
// A Server is safe for concurrent use.
package googlefake
