// The report of a run (docs/DESIGN.md, "Report"): one record per cluster pair,
// appended as one JSON line to the run file (for machines), and the whole file
// rendered beside it as a Markdown table and a self-contained HTML page (for
// people). Pairs of one run report concurrently: appends and renders happen under an
// exclusive lock of the run file, and the renders are replaced atomically.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace zkm {

// How much of the tree a verification proved, weakest first.
enum class VerifyStrength { kNone, kShallow, kPartial, kFull };
const char* VerifyStrengthName(VerifyStrength s);
// Strength of one `state: verify` result: shallow without `deep`, partial when the
// walk left znodes unread, full when the walk read every znode and passed.
VerifyStrength StrengthOfVerify(const rapidjson::Value& verify_result);

// Builds the normalised record of one pair from what the playbook gathered:
//   pair, run_id, result, msg, source_hosts, target_hosts, bundle_host, started and
//   finished (Unix seconds), phases (name -> [start, end] in Unix seconds, in the
//   order they ran), manifest (manifest.json as read), verification (the results of
//   `state: verify`, each with `host`), rollback (object), warnings (list).
// Missing inputs become null, never guesses. Fails on input that is not an object.
Status BuildPairRecord(const rapidjson::Value& in, rapidjson::Document* record);

// The two renders of a whole run file (records in file order).
std::string RenderMarkdown(const std::vector<const rapidjson::Value*>& records);
std::string RenderHtml(const std::vector<const rapidjson::Value*>& records);
// The lines of the summary table shown at the end of the play.
std::vector<std::string> RenderSummary(const std::vector<const rapidjson::Value*>& records);

struct RunReportFiles {
  std::string json;  // the run file: JSON Lines, one record per pair
  std::string markdown;
  std::string html;
};
// `report_file` is the run file; the renders sit beside it with its extension
// (.jsonl or .json) replaced by .md and .html.
RunReportFiles ReportFilesFor(const std::string& report_file);

// Appends `record` to the run file (created 0644 with its directory's existing
// parents only) and rewrites the renders from the file, under a lock. `records_out`
// receives every record of the file with the same run_id as `record`.
Status AppendPairRecord(const RunReportFiles& files, const rapidjson::Value& record,
                        rapidjson::Document* run_records_out);

}  // namespace zkm
