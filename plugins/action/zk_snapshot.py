# -*- coding: utf-8 -*-
# Copyright: zkmigrate maintainers
# Apache License 2.0 (see LICENSE)
"""Action plugin of zkmigrate.zookeeper.zk_snapshot.

The module is a compiled binary, plugins/bin/zk_snapshot (built by scripts/build.sh).
It lives outside plugins/modules/ so that ansible-doc and the sanity tests read only the
documentation stub plugins/modules/zk_snapshot.py. This plugin hands Ansible the binary
in place of the stub; everything else (transfer to the managed host, the arguments
file, become, check mode, async, cleanup) is Ansible's own _execute_module.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

BINARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin", "zk_snapshot")


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def _configure_module(self, module_name, module_args, task_vars):
        if not os.path.isfile(BINARY):
            raise AnsibleError(
                "the compiled module %s is missing: build it with scripts/build.sh "
                "(a collection tarball must be built after the binary)" % BINARY)
        # ('binary', no shebang, no data: the file is transferred as it is, its path)
        return ("binary", None, b"", BINARY)

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result.update(self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        rc = result.get("rc")
        if result.get("failed") and rc == 126 and "msg" in result:
            result["msg"] = ("the managed host could not execute %s (exit 126): is its temp dir mounted "
                             "noexec? set remote_tmp to an executable path. %s" % (BINARY, result["msg"]))
        return result
