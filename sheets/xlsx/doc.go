// Package xlsx is the sheets.Sheet backend for a local .xlsx workbook, the file a person
// opens in Excel or LibreOffice while the daemon polls it.
//
// Read reads the whole file. A missing file reads as an empty Book with Version ""; the
// Version of an existing file is the hex SHA-256 of its bytes, so a save by anyone, with
// any program, changes it. Cells read as the text a person sees: strings as they are,
// numbers in plain decimal with the 15 significant digits a spreadsheet shows ("3", never
// "3.0" nor a date, whatever the cell's number format; "3.5" as typed), booleans as TRUE
// and FALSE, formulas as their cached value. Row 1 is the header; blank rows are dropped
// and every row is padded to the width of the widest. Worksheets are parsed by a small
// scanner, in parallel. A file whose checksum is the one last read or written is not parsed
// again (the Read after a Write takes the values the Write rendered, where their written
// form is certain to read back as them); in another file, a worksheet whose part has the
// CRC-32 and size (and whose shared strings have those) of one last read or written is not
// parsed either: its values are that one's.
//
// Version hashes the file too, unless the file's stamp (device, inode, size, mtime and
// ctime) is the one a hash found and that stamp had settled: both times older than a few
// seconds when the hash began, so that a save within the same tick of a coarse clock (a
// second, two on FAT) cannot keep every field of it. Any write changes the ctime, which no
// program sets; a settled stamp is hashed again every 30 seconds all the same. Where the
// platform gives no ctime, Version hashes the file every time.
//
// Write builds the complete workbook in memory with excelize: next's tabs in order, then
// the file's other worksheets copied as values (their formulas, charts and formatting are
// not kept). The data rows of next's tabs, most of a big workbook, are not given to
// excelize's stream writer: they are written into the worksheet it makes, as it would write
// them, while the parts are compressed (at the fastest level) on another core. It writes it to a hidden temporary file in the same directory, checks just
// before the rename that the file still has base's checksum (else it removes the temporary
// file and returns sheets.ErrModified), and renames it over the file: the file is never
// written in place and no temporary file is left behind. An existing file keeps its mode;
// a symbolic link is followed. Every Write stores a random write id, so its Version is new
// even when no value changed. A window remains between the check and the rename in which
// a save by another program could be replaced; spreadsheet programs save by renaming too,
// and the window is as short as a rename.
//
// Presentation follows the Layout: the header row bold and frozen, with an autofilter so
// people can sort and filter (sheets are not protected: protection would stop sorting);
// column widths from the Layout or fitted to the content (at most 60 characters); hidden
// columns; read-only columns grey with the Locked attribute, editable ones unlocked; data
// validation on editable columns (whole number in a range, or a drop-down list that allows
// a blank); status colours as conditional formats; and a stacked column chart beside the
// Summary tab. Cells are stored as text, never as formulas, whatever they begin with; in
// Number columns (and the Summary's counts) whole numbers are stored as numbers. Text
// longer than a cell can hold (32,767 characters) is cut to that length.
//
// A Workbook is meant for one goroutine at a time (the sync engine owns it).
package xlsx
