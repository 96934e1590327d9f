// Status and Result<T>: errors are values between units (see docs/STYLE.md).
//
// A Status carries a code, one human sentence, and (for damage in a file) the byte
// offset where it was found, or -1. Exceptions from Poco, OpenSSL or the standard
// library are caught at the edges (CLI, module) and turned into Status values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace zkm {

enum class Code {
  kOk = 0,
  kInvalidArgument,  // bad input from the user (path, option)
  kNotFound,         // a file or directory that should exist does not
  kIoError,          // the OS refused (read, write, permission, disk full)
  kCorrupt,          // the bytes are damaged (bad magic, checksum, length)
  kTruncated,        // the bytes end early
  kGap,              // zxids are not continuous
  kUnsupported,      // a format feature this tool does not handle
  kMismatch,         // two things that must agree do not (digest, hash)
};

const char* CodeName(Code code);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message, int64_t offset = -1)
      : code_(code), message_(std::move(message)), offset_(offset) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Io(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Corrupt(std::string m, int64_t off = -1) {
    return Status(Code::kCorrupt, std::move(m), off);
  }
  static Status Truncated(std::string m, int64_t off = -1) {
    return Status(Code::kTruncated, std::move(m), off);
  }
  static Status Gap(std::string m) { return Status(Code::kGap, std::move(m)); }
  static Status Unsupported(std::string m) { return Status(Code::kUnsupported, std::move(m)); }
  static Status Mismatch(std::string m) { return Status(Code::kMismatch, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int64_t offset() const { return offset_; }

  // "message" or "message (at byte N)".
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(const std::string& context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int64_t offset_ = -1;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT(runtime/explicit)
  Result(Status status) : status_(std::move(status)) {}  // NOLINT(runtime/explicit)

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

#define ZKM_RETURN_IF_ERROR(expr)      \
  do {                                 \
    ::zkm::Status _zkm_st = (expr);    \
    if (!_zkm_st.ok()) return _zkm_st; \
  } while (0)

}  // namespace zkm
