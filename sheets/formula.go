package sheets

import (
	"fmt"
	"strings"
)

// Formula is the spreadsheet condition of a colour rule for cell, the top cell of the
// rule's range (relative references move down the column). length counts a text the way
// the spreadsheet's LEFT does (UTF-16 units in Excel, characters in Google Sheets).
func (r ColorRule) Formula(cell string, length func(string) int) (string, error) {
	lit := `"` + strings.ReplaceAll(r.Value, `"`, `""`) + `"`
	switch r.Match {
	case Equals:
		return fmt.Sprintf("EXACT(%s,%s)", cell, lit), nil
	case Prefix:
		return fmt.Sprintf("EXACT(LEFT(%s,%d),%s)", cell, length(r.Value), lit), nil
	case ReadyComplete, ReadyIncomplete:
		op := "="
		if r.Match == ReadyIncomplete {
			op = "<"
		}
		// "n/m": n is LEFT up to the slash, m is MID after it.
		return fmt.Sprintf(`IFERROR(VALUE(LEFT(%[1]s,FIND("/",%[1]s)-1))%[2]sVALUE(MID(%[1]s,FIND("/",%[1]s)+1,99)),FALSE)`, cell, op), nil
	}
	return "", fmt.Errorf("unknown match %q", r.Match)
}
