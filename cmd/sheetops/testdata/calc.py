"""Drive a running LibreOffice Calc through its UNO API, as a person would use it.

Usage: calc.py PORT WORKBOOK < commands.json

The commands (a JSON list) run in order on the workbook, which stays open in LibreOffice
between runs of this script until "close":
  {"do": "open"}                                   open it (LibreOffice writes its lock file)
  {"do": "set", "tab": T, "name": N, "header": H, "value": V}
                                                   type V into the row whose Name is N
                                                   (a number as a number, else text)
  {"do": "append", "tab": T, "cells": {H: V, ...}} type a new row under the last one
  {"do": "sort", "tab": T, "header": H, "descending": true}
                                                   Data > Sort on the rows under the header
  {"do": "save"}                                   File > Save (Keep current format)
  {"do": "close"}                                  close the document without saving
  {"do": "read", "tab": T}                         print the tab's rows as JSON
It prints one JSON value per "read".
"""
import json
import os
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table import TableSortField


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(port):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=%d;urp;StarOffice.ComponentContext" % port)
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def find(desktop, url):
    comps = desktop.getComponents().createEnumeration()
    while comps.hasMoreElements():
        c = comps.nextElement()
        if hasattr(c, "getURL") and c.getURL() == url:
            return c
    return None


def used(sheet):
    cur = sheet.createCursor()
    cur.gotoEndOfUsedArea(False)
    addr = cur.getRangeAddress()
    return addr.EndColumn, addr.EndRow


def header(sheet):
    last_col, _ = used(sheet)
    return [sheet.getCellByPosition(c, 0).getString() for c in range(last_col + 1)]


def row_of(sheet, name):
    h = header(sheet)
    col = h.index("Name")
    _, last_row = used(sheet)
    for r in range(1, last_row + 1):
        if sheet.getCellByPosition(col, r).getString() == name:
            return r
    raise SystemExit("no row %r in %s" % (name, sheet.getName()))


def put(cell, value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.setValue(value)
    else:
        cell.setString(str(value))


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    url = uno.systemPathToFileUrl(path)
    desktop = connect(port)
    doc = find(desktop, url)
    for cmd in json.load(sys.stdin):
        do = cmd["do"]
        if do == "open":
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            continue
        if doc is None:
            raise SystemExit("the workbook is not open")
        if do == "close":
            doc.close(True)
            doc = None
            continue
        if do == "save":
            doc.store()
            continue
        sheet = doc.getSheets().getByName(cmd["tab"])
        h = header(sheet)
        if do == "set":
            put(sheet.getCellByPosition(h.index(cmd["header"]), row_of(sheet, cmd["name"])), cmd["value"])
        elif do == "append":
            _, last_row = used(sheet)
            for k, v in cmd["cells"].items():
                put(sheet.getCellByPosition(h.index(k), last_row + 1), v)
        elif do == "sort":
            last_col, last_row = used(sheet)
            rng = sheet.getCellRangeByPosition(0, 0, last_col, last_row)
            field = TableSortField()
            field.Field = h.index(cmd["header"])
            field.IsAscending = not cmd.get("descending", False)
            field.IsCaseSensitive = False
            rng.sort((prop("SortFields", uno.Any("[]com.sun.star.table.TableSortField", (field,))),
                      prop("ContainsHeader", True)))
        elif do == "read":
            last_col, last_row = used(sheet)
            rows = [[sheet.getCellByPosition(c, r).getString() for c in range(last_col + 1)] for r in range(last_row + 1)]
            print(json.dumps(rows))
        else:
            raise SystemExit("unknown command %r" % do)


main()
# The UNO bridge's teardown at interpreter exit sometimes crashes (SIGSEGV) after the work
# is done; leave without it.
sys.stdout.flush()
os._exit(0)
