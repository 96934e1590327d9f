// Placement: the file operations of bundle/place/rollback, each one step of the
// recipe in docs/STYLE.md habit 8 and each returning a Status that names the path and
// the reason (ErrnoStatus: "permission denied", "no space left on device"...).
//
//  * a new file is written as `<dir>/.<name>.zkm-tmp-<pid>`, fsynced, its SHA-256
//    checked against the expected one, given its mode/owner, renamed over the
//    final name (refusing to replace an existing file unless asked) and the
//    directory fsynced;
//  * moving is rename(2) only, never a copy: a move across filesystems is an
//    error (EXDEV) so a backup costs no space and no time;
//  * preconditions are checked before anything is written: a read-only
//    filesystem, an unwritable dir, too little free space.
//
// Nothing here decides *what* to move; module_place.cc / module_bundle.cc do.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace zkm {

// Owner and group to give new files and dirs; -1 leaves that id unchanged.
struct FileOwner {
  int64_t uid = -1;
  int64_t gid = -1;
};

// `owner`/`group` are names or numeric ids; an empty one takes the id of
// `reference` (e.g. the dataDir). Unknown names -> kInvalidArgument.
Result<FileOwner> ResolveOwner(const std::string& owner, const std::string& group,
                               const std::string& reference);

Status FsyncPath(const std::string& path);  // a file or a directory
Status FsyncParent(const std::string& path);

// Creates `path` (and missing parents) with `mode` and `owner`, fsyncing each
// parent that got a new entry. An existing dir is fine; an existing non-dir is
// an error ("... exists and is not a directory").
Status MakeDirs(const std::string& path, mode_t mode, const FileOwner& owner);

// Copies `src` to `<dir>/<name>` by the recipe. `expected_sha256` (if not empty)
// must match the bytes written, else nothing is left behind (kMismatch). The
// SHA-256 of the bytes is stored in `sha_out` when not null.
Status CopyFileDurable(const std::string& src, const std::string& dir, const std::string& name,
                       const std::string& expected_sha256, mode_t mode, const FileOwner& owner,
                       bool overwrite, std::string* sha_out);

// Writes `content` to `<dir>/<name>` by the recipe, replacing an existing file.
Status WriteFileDurable(const std::string& dir, const std::string& name, const std::string& content,
                        mode_t mode, const FileOwner& owner);

// chown/chmod of an existing path (then fsync it).
Status SetOwnerMode(const std::string& path, mode_t mode, const FileOwner& owner);

// rename(from, to); `to` must not exist. fsyncs both parent dirs.
Status MoveEntry(const std::string& from, const std::string& to);
// unlink + fsync of the dir; a missing file is not an error.
Status RemoveFile(const std::string& path);
// Removes a directory tree (staging dirs); a missing path is not an error.
Status RemoveTree(const std::string& path);

// Names in `dir` (sorted, without "." and ".."); kNotFound if it does not exist.
Result<std::vector<std::string>> ListDir(const std::string& dir);

// kIoError "<dir> is on a read-only filesystem" / "<dir> is not writable".
Status CheckWritable(const std::string& dir);
// Free bytes for an unprivileged writer on the filesystem of `dir`.
Result<uint64_t> FreeBytes(const std::string& dir);
// kIoError "not enough free space in <dir>: N bytes needed, M available" when
// `needed` plus a margin (1 MiB) does not fit.
Status CheckFreeSpace(const std::string& dir, uint64_t needed);
// True when both paths exist and are on the same filesystem (st_dev).
bool SameFilesystem(const std::string& a, const std::string& b);
bool PathExists(const std::string& path);
// `path` itself if it exists, else its nearest existing ancestor ("." / "/" at worst).
std::string NearestExisting(std::string path);
std::string ParentDir(const std::string& path);
bool IsDirectory(const std::string& path);

// Test hook: when set, FreeBytes returns its value for every dir (nullopt: ask
// the filesystem).
void SetFreeBytesOverrideForTest(std::optional<uint64_t> bytes);

}  // namespace zkm
