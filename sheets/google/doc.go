// Package google is the Google Sheets backend: the sheets.Sheet interface on
// google.golang.org/api/sheets/v4, authenticated with golang.org/x/oauth2.
package google

import (
	_ "golang.org/x/oauth2/google"
	_ "google.golang.org/api/option"
	_ "google.golang.org/api/sheets/v4"
)
