#include "base/status.h"

namespace zkm {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kIoError:
      return "io_error";
    case Code::kCorrupt:
      return "corrupt";
    case Code::kTruncated:
      return "truncated";
    case Code::kGap:
      return "gap";
    case Code::kUnsupported:
      return "unsupported";
    case Code::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  if (offset_ < 0) return message_;
  return message_ + " (at byte " + std::to_string(offset_) + ")";
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_, offset_);
}

}  // namespace zkm
