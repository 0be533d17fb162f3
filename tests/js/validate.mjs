#!/usr/bin/env node
// Validate iCalendar files with Mozilla's ical.js, the parser inside Thunderbird.
//
//   node tests/js/validate.mjs DIR_OR_FILE...
//
// Every *.ics file in the given directories (and every file given directly) is parsed with
// ICAL.parse and ICAL.Component, and each VEVENT is read through ICAL.Event. Checked:
//   - the bytes are UTF-8 (a fold that splits a character makes them invalid), every line ends
//     with CRLF and is at most 75 octets long (RFC 5545 3.1);
//   - one VCALENDAR with VERSION:2.0 and PRODID;
//   - every VTIMEZONE has a TZID and at least one STANDARD or DAYLIGHT part, and ical.js can
//     build an ICAL.Timezone from it;
//   - every event has a UID (unique in the file), SUMMARY, DTSTAMP, DTSTART, SEQUENCE (an
//     integer >= 0), an end after its start as ical.js computes it (DTEND or DURATION, not
//     both; an all-day event without either lasts one day), DTSTART and DTEND of the same
//     value type (both DATE for all-day events), a known STATUS when present;
//   - every TZID parameter names a VTIMEZONE of the same file, and ical.js resolves it.
// Floating local times (no Z, no TZID) are reported as warnings.
//
// Prints one JSON object {files, events, all_day, cancelled, errors: [...], warnings: [...]}
// and exits 1 when there is any error (2 on a usage error).

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import process from "node:process";

import ICAL from "ical.js";

const MAX_OCTETS = 75;
const MAX_ERRORS_PER_FILE = 25;
const STATUSES = new Set(["TENTATIVE", "CONFIRMED", "CANCELLED"]);
const TIME_PROPS = new Set(["dtstart", "dtend", "due", "recurrence-id", "exdate", "rdate"]);

function icsFiles(args) {
  const files = [];
  for (const arg of args) {
    if (statSync(arg).isDirectory()) {
      for (const name of readdirSync(arg).sort()) {
        if (name.toLowerCase().endsWith(".ics")) {
          files.push(path.join(arg, name));
        }
      }
    } else {
      files.push(arg);
    }
  }
  return files;
}

class FileReport {
  constructor(file, summary) {
    this.file = file;
    this.summary = summary;
    this.count = 0;
  }

  error(message, uid = undefined) {
    this.count += 1;
    if (this.count <= MAX_ERRORS_PER_FILE) {
      this.summary.errors.push({ file: this.file, ...(uid ? { uid } : {}), message });
    } else if (this.count === MAX_ERRORS_PER_FILE + 1) {
      this.summary.errors.push({ file: this.file, message: "further errors left out" });
    }
  }

  warning(message, uid = undefined) {
    if (this.summary.warnings.length < 100) {
      this.summary.warnings.push({ file: this.file, ...(uid ? { uid } : {}), message });
    }
  }
}

// Physical layout: UTF-8, CRLF line ends, at most 75 octets per line.
function checkLines(bytes, report) {
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    report.error("not valid UTF-8 (a folded line may split a character)");
    text = new TextDecoder("utf-8").decode(bytes);
  }
  if (bytes.length === 0) {
    report.error("empty file");
    return text;
  }
  let start = 0;
  let lineNo = 0;
  let bareLf = 0;
  let long = 0;
  while (start < bytes.length) {
    lineNo += 1;
    let end = bytes.indexOf(0x0a, start);
    const terminated = end !== -1;
    if (!terminated) {
      end = bytes.length;
    }
    const crlf = terminated && end > start && bytes[end - 1] === 0x0d;
    const contentEnd = crlf ? end - 1 : end;
    if (!terminated) {
      report.error(`line ${lineNo}: the last line does not end with CRLF`);
    } else if (!crlf) {
      bareLf += 1;
      if (bareLf === 1) {
        report.error(`line ${lineNo}: ends with LF, not CRLF`);
      }
    }
    const octets = contentEnd - start;
    if (octets > MAX_OCTETS) {
      long += 1;
      if (long <= 3) {
        report.error(`line ${lineNo}: ${octets} octets, longer than ${MAX_OCTETS}`);
      }
    }
    start = end + 1;
  }
  if (bareLf > 1) {
    report.error(`${bareLf} lines end with LF, not CRLF`);
  }
  if (long > 3) {
    report.error(`${long} lines are longer than ${MAX_OCTETS} octets`);
  }
  return text;
}

function checkTimezones(vcal, report) {
  const tzids = new Set();
  for (const vtz of vcal.getAllSubcomponents("vtimezone")) {
    const tzid = vtz.getFirstPropertyValue("tzid");
    if (!tzid) {
      report.error("VTIMEZONE without TZID");
      continue;
    }
    if (tzids.has(tzid)) {
      report.error(`VTIMEZONE ${tzid} defined twice`);
    }
    tzids.add(tzid);
    const parts = vtz.getAllSubcomponents("standard").length
      + vtz.getAllSubcomponents("daylight").length;
    if (parts === 0) {
      report.error(`VTIMEZONE ${tzid} has neither STANDARD nor DAYLIGHT`);
    }
    try {
      ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
    } catch (exc) {
      report.error(`VTIMEZONE ${tzid}: ical.js cannot use it: ${exc.message}`);
    }
  }
  return tzids;
}

function checkEvent(vevent, index, tzids, seen, report, summary) {
  const event = new ICAL.Event(vevent);
  const uid = event.uid || undefined;
  const where = uid ?? `VEVENT #${index + 1}`;
  const err = (message) => report.error(message, where);

  if (!uid) {
    err("no UID");
  } else {
    const rid = vevent.getFirstPropertyValue("recurrence-id");
    const key = `${uid}\u0000${rid ? rid.toString() : ""}`;
    if (seen.has(key)) {
      err("UID appears twice in the file");
    }
    seen.add(key);
  }
  if (!event.summary || !String(event.summary).trim()) {
    err("no SUMMARY");
  }
  if (!vevent.hasProperty("dtstamp")) {
    err("no DTSTAMP");
  }
  if (!vevent.hasProperty("sequence")) {
    err("no SEQUENCE");
  } else if (!Number.isInteger(event.sequence) || event.sequence < 0) {
    err(`SEQUENCE is not a non-negative integer: ${event.sequence}`);
  }
  const status = vevent.getFirstPropertyValue("status");
  if (status !== null && !STATUSES.has(String(status).toUpperCase())) {
    err(`unknown STATUS ${status}`);
  }
  if (String(status).toUpperCase() === "CANCELLED") {
    summary.cancelled += 1;
  }

  // Every TZID must be defined in this file and resolved by ical.js itself.
  for (const prop of vevent.getAllProperties()) {
    const tzid = prop.getParameter("tzid");
    if (tzid !== undefined && tzid !== null) {
      const value = prop.getFirstValue();
      if (!tzids.has(tzid)) {
        err(`${prop.name.toUpperCase()} uses TZID ${tzid} without a VTIMEZONE in the file`);
      } else if (value && value.zone && value.zone.tzid !== tzid) {
        err(`${prop.name.toUpperCase()}: ical.js did not resolve TZID ${tzid}`);
      }
    } else if (TIME_PROPS.has(prop.name) && prop.type === "date-time") {
      for (const value of prop.getValues()) {
        if (value && value.zone === ICAL.Timezone.localTimezone) {
          report.warning(`${prop.name.toUpperCase()} is a floating local time`, where);
          break;
        }
      }
    }
  }

  const start = vevent.hasProperty("dtstart") ? event.startDate : null;
  if (!start) {
    err("no DTSTART");
    return;
  }
  const dtend = vevent.getFirstProperty("dtend");
  const hasDuration = vevent.hasProperty("duration");
  if (dtend && hasDuration) {
    err("both DTEND and DURATION");
  }
  if (!dtend && !hasDuration && !start.isDate) {
    // RFC 5545 3.6.1: such an event ends when it starts (a DATE start lasts one day).
    err("neither DTEND nor DURATION: the event has no length");
    return;
  }
  const end = event.endDate;
  if (!end) {
    err("ical.js computes no end");
    return;
  }
  if (start.isDate !== end.isDate) {
    err("DTSTART and DTEND differ in value type (DATE and DATE-TIME mixed)");
    return;
  }
  if (start.isDate) {
    summary.all_day += 1;
  }
  if (end.compare(start) <= 0) {
    err(`end ${end.toString()} is not after start ${start.toString()}`);
  }
}

function validateFile(file, summary) {
  const report = new FileReport(file, summary);
  summary.files += 1;
  const bytes = readFileSync(file);
  const text = checkLines(bytes, report);

  let jcal;
  try {
    jcal = ICAL.parse(text);
  } catch (exc) {
    report.error(`ical.js cannot parse: ${exc.message}`);
    return;
  }
  const roots = Array.isArray(jcal[0]) ? jcal : [jcal];
  if (roots.length !== 1) {
    report.error(`${roots.length} top-level components, expected one VCALENDAR`);
  }
  const vcal = new ICAL.Component(roots[0]);
  if (vcal.name !== "vcalendar") {
    report.error(`top-level component is ${vcal.name.toUpperCase()}, not VCALENDAR`);
    return;
  }
  if (vcal.getFirstPropertyValue("version") !== "2.0") {
    report.error(`VERSION is ${vcal.getFirstPropertyValue("version")}, not 2.0`);
  }
  if (!vcal.getFirstPropertyValue("prodid")) {
    report.error("no PRODID");
  }

  // Zones from one file must not satisfy references in the next one.
  ICAL.TimezoneService.reset();
  try {
    const tzids = checkTimezones(vcal, report);
    const seen = new Set();
    const vevents = vcal.getAllSubcomponents("vevent");
    vevents.forEach((vevent, index) => {
      summary.events += 1;
      try {
        checkEvent(vevent, index, tzids, seen, report, summary);
      } catch (exc) {
        report.error(`ical.js fails on VEVENT #${index + 1}: ${exc.message}`);
      }
    });
  } finally {
    ICAL.TimezoneService.reset();
  }
}

function main(argv) {
  if (argv.length === 0) {
    process.stderr.write("usage: node validate.mjs DIR_OR_FILE...\n");
    return 2;
  }
  const summary = { files: 0, events: 0, all_day: 0, cancelled: 0, errors: [], warnings: [] };
  let files;
  try {
    files = icsFiles(argv);
  } catch (exc) {
    process.stderr.write(`${exc.message}\n`);
    return 2;
  }
  if (files.length === 0) {
    summary.errors.push({ message: `no .ics files in ${argv.join(", ")}` });
  }
  for (const file of files) {
    try {
      validateFile(file, summary);
    } catch (exc) {
      summary.errors.push({ file, message: `unexpected failure: ${exc.stack || exc}` });
    }
  }
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.errors.length > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
