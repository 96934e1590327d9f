#include "node/placement.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "format/byte_source.h"
#include "format/sha256.h"

namespace zkm {

namespace {

std::optional<uint64_t> g_free_override;

// ZKM_TEST_KILL_AT_STEP=N: the N-th durable step of this process kills it with
// SIGKILL (the kill -9 tests of place; unset in production: nothing happens).
void CrashPoint() {
  static const long target = [] {
    const char* e = std::getenv("ZKM_TEST_KILL_AT_STEP");
    return e ? std::strtol(e, nullptr, 10) : 0L;
  }();
  static long count = 0;
  if (target > 0 && ++count == target) ::kill(::getpid(), SIGKILL);
}

std::string Parent(const std::string& path) {
  size_t k = path.find_last_of('/');
  if (k == std::string::npos) return ".";
  if (k == 0) return "/";
  return path.substr(0, k);
}

bool ParseId(const std::string& s, int64_t* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  *out = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

Status ApplyOwnerMode(int fd, const std::string& path, mode_t mode, const FileOwner& o) {
  if ((o.uid >= 0 || o.gid >= 0) &&
      ::fchown(fd, static_cast<uid_t>(o.uid), static_cast<gid_t>(o.gid)) != 0)
    return ErrnoStatus("cannot change the owner of", path, errno);
  if (::fchmod(fd, mode) != 0) return ErrnoStatus("cannot change the mode of", path, errno);
  return Status::Ok();
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// The common tail of the recipe: fsync, owner/mode, close, rename, fsync dir.
// On any failure the temporary file is removed.
Status Finish(int fd, const std::string& tmp, const std::string& final_path, mode_t mode,
              const FileOwner& owner, bool overwrite, Status st) {
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("cannot fsync", tmp, errno);
  if (st.ok()) st = ApplyOwnerMode(fd, tmp, mode, owner);
  if (::close(fd) != 0 && st.ok()) st = ErrnoStatus("cannot close", tmp, errno);
  if (st.ok() && !overwrite && PathExists(final_path))
    st = Status::Invalid(final_path + " already exists; refusing to replace it");
  if (st.ok()) CrashPoint();
  if (st.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0)
    st = ErrnoStatus("cannot rename into", final_path, errno);
  if (st.ok()) CrashPoint();
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  return FsyncParent(final_path);
}

}  // namespace

void SetFreeBytesOverrideForTest(std::optional<uint64_t> bytes) {
  g_free_override = bytes;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string NearestExisting(std::string path) {
  while (!path.empty() && path != "/" && path != "." && !PathExists(path)) path = Parent(path);
  return path.empty() ? "." : path;
}

std::string ParentDir(const std::string& path) {
  return Parent(path);
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<FileOwner> ResolveOwner(const std::string& owner, const std::string& group,
                               const std::string& reference) {
  FileOwner o;
  struct stat st;
  if ((owner.empty() || group.empty()) && ::stat(reference.c_str(), &st) != 0)
    return ErrnoStatus("cannot stat", reference, errno);
  if (owner.empty()) {
    o.uid = st.st_uid;
  } else if (!ParseId(owner, &o.uid)) {
    struct passwd* pw = ::getpwnam(owner.c_str());
    if (!pw) return Status::Invalid("owner " + owner + " is not a known user");
    o.uid = pw->pw_uid;
  }
  if (group.empty()) {
    o.gid = st.st_gid;
  } else if (!ParseId(group, &o.gid)) {
    struct group* gr = ::getgrnam(group.c_str());
    if (!gr) return Status::Invalid("group " + group + " is not a known group");
    o.gid = gr->gr_gid;
  }
  return o;
}

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  Status st;
  if (::fsync(fd) != 0 && errno != EINVAL) st = ErrnoStatus("cannot fsync", path, errno);
  ::close(fd);
  return st;
}

Status FsyncParent(const std::string& path) {
  return FsyncPath(Parent(path));
}

Status MakeDirs(const std::string& path, mode_t mode, const FileOwner& owner) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Status::Io(path + " exists and is not a directory");
    return Status::Ok();
  }
  if (errno != ENOENT) return ErrnoStatus("cannot stat", path, errno);
  std::string parent = Parent(path);
  if (parent != path) ZKM_RETURN_IF_ERROR(MakeDirs(parent, mode, owner));
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
    return ErrnoStatus("cannot create directory", path, errno);
  CrashPoint();
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  Status s = ApplyOwnerMode(fd, path, mode, owner);
  ::close(fd);
  ZKM_RETURN_IF_ERROR(s);
  return FsyncParent(path);
}

Status CopyFileDurable(const std::string& src, const std::string& dir, const std::string& name,
                       const std::string& expected_sha256, mode_t mode, const FileOwner& owner,
                       bool overwrite, std::string* sha_out) {
  std::string final_path = dir + "/" + name;
  if (!overwrite && PathExists(final_path))
    return Status::Invalid(final_path + " already exists; refusing to replace it");
  auto in = FileSource::Open(src);
  if (!in.ok()) return in.status();
  std::string tmp = dir + "/." + name + ".zkm-tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  Sha256 hash;
  std::vector<char> buf(1 << 20);
  Status st;
  for (;;) {
    auto n = (*in)->Read(buf.data(), buf.size());
    if (!n.ok()) {
      st = n.status();
      break;
    }
    if (*n == 0) break;
    hash.Update(buf.data(), *n);
    st = WriteAll(fd, buf.data(), *n, tmp);
    if (!st.ok()) break;
  }
  std::string sha = hash.HexDigest();
  if (st.ok() && !expected_sha256.empty() && sha != expected_sha256)
    st = Status::Mismatch("the copy of " + src + " has SHA-256 " + sha + ", expected " +
                          expected_sha256);
  if (sha_out) *sha_out = sha;
  return Finish(fd, tmp, final_path, mode, owner, overwrite, st);
}

Status WriteFileDurable(const std::string& dir, const std::string& name, const std::string& content,
                        mode_t mode, const FileOwner& owner) {
  std::string tmp = dir + "/." + name + ".zkm-tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot create", tmp, errno);
  Status st = WriteAll(fd, content.data(), content.size(), tmp);
  return Finish(fd, tmp, dir + "/" + name, mode, owner, true, st);
}

Status SetOwnerMode(const std::string& path, mode_t mode, const FileOwner& owner) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path, errno);
  Status st = ApplyOwnerMode(fd, path, mode, owner);
  if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus("cannot fsync", path, errno);
  ::close(fd);
  return st;
}

Status MoveEntry(const std::string& from, const std::string& to) {
  if (PathExists(to))
    return Status::Invalid(to + " already exists; refusing to move " + from + " over it");
  CrashPoint();
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int e = errno;
    if (e == EXDEV)
      return Status::Io("cannot move " + from + " to " + to +
                        ": they are on different filesystems (a move must be a rename)");
    return ErrnoStatus("cannot move " + from + " to", to, e);
  }
  CrashPoint();
  ZKM_RETURN_IF_ERROR(FsyncParent(to));
  return FsyncParent(from);
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot remove", path, errno);
  }
  CrashPoint();
  return FsyncParent(path);
}

Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return ErrnoStatus("cannot stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    auto names = ListDir(path);
    if (!names.ok()) return names.status();
    for (const std::string& n : *names) ZKM_RETURN_IF_ERROR(RemoveTree(path + "/" + n));
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus("cannot remove", path, errno);
    return Status::Ok();
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return ErrnoStatus("cannot remove", path, errno);
  return Status::Ok();
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return ErrnoStatus("cannot list", dir, errno);
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Status CheckWritable(const std::string& dir) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0)
    return ErrnoStatus("cannot stat filesystem of", dir, errno);
  if (vfs.f_flag & ST_RDONLY) return Status::Io(dir + " is on a read-only filesystem");
  if (!IsDirectory(dir)) return Status::Io(dir + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return ErrnoStatus("cannot write into", dir, errno);
  return Status::Ok();
}

Result<uint64_t> FreeBytes(const std::string& dir) {
  if (g_free_override) return *g_free_override;
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0)
    return ErrnoStatus("cannot stat filesystem of", dir, errno);
  return static_cast<uint64_t>(vfs.f_bavail) * static_cast<uint64_t>(vfs.f_frsize);
}

Status CheckFreeSpace(const std::string& dir, uint64_t needed) {
  auto free = FreeBytes(dir);
  if (!free.ok()) return free.status();
  const uint64_t margin = 1u << 20;
  if (needed + margin > *free)
    return Status::Io("not enough free space in " + dir + ": " + std::to_string(needed) +
                      " bytes needed, " + std::to_string(*free) + " available");
  return Status::Ok();
}

bool SameFilesystem(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev;
}

}  // namespace zkm
