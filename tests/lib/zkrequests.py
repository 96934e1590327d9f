"""Two ZooKeeper requests kazoo 2.8 lacks: createContainer (19) and createTTL (21).

Both carry a Create2-like body (path, data, ACL list, flags[, ttl]) and are answered with a
Create2Response (path, Stat). Used by the fixture generator and the integration workloads
to write container and TTL znodes (the TTL ones need the server's
-Dzookeeper.extendedTypesEnabled=true).
"""

from kazoo.protocol.serialization import (int_struct, long_struct, read_string, stat_struct,
                                          write_buffer, write_string)
from kazoo.protocol.states import ZnodeStat
from kazoo.security import OPEN_ACL_UNSAFE


def _acl_bytes(acl):
    b = bytearray(int_struct.pack(len(acl)))
    for a in acl:
        b.extend(int_struct.pack(a.perms) + write_string(a.id.scheme) + write_string(a.id.id))
    return b


class _Create2Like(object):
    def __init__(self, path, data, acl, flags, ttl=None):
        self.path, self.data, self.acl, self.flags, self.ttl = path, data, acl, flags, ttl

    def serialize(self):
        b = bytearray()
        b.extend(write_string(self.path))
        b.extend(write_buffer(self.data))
        b.extend(_acl_bytes(self.acl))
        b.extend(int_struct.pack(self.flags))
        if self.ttl is not None:
            b.extend(long_struct.pack(self.ttl))
        return b

    @classmethod
    def deserialize(cls, buf, offset):
        path, offset = read_string(buf, offset)
        return path, ZnodeStat._make(stat_struct.unpack_from(buf, offset))


class CreateContainer(_Create2Like):
    type = 19  # OpCode.createContainer; flags must be CreateMode.CONTAINER (4)


class CreateTTL(_Create2Like):
    type = 21  # OpCode.createTTL; flags PERSISTENT_WITH_TTL (5) or PERSISTENT_SEQUENTIAL_WITH_TTL (6)


def create_container(zk, path, data=b"", acl=OPEN_ACL_UNSAFE):
    ar = zk.handler.async_result()
    zk._call(CreateContainer(path, data, acl, 4), ar)
    return ar.get(timeout=10)


def create_ttl(zk, path, ttl_ms, data=b"", acl=OPEN_ACL_UNSAFE, sequential=False):
    ar = zk.handler.async_result()
    zk._call(CreateTTL(path, data, acl, 6 if sequential else 5, ttl_ms), ar)
    return ar.get(timeout=10)
