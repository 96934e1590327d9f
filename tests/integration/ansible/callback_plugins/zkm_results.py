# Test helper: an aggregate callback that appends every task result as one JSON line
# to the file named by $ZKM_RESULTS_FILE, next to the normal stdout callback.
# Enabled by the integration test with ANSIBLE_CALLBACK_PLUGINS=<this dir> and
# ANSIBLE_CALLBACKS_ENABLED=zkm_results (ad-hoc runs also need
# ANSIBLE_LOAD_CALLBACK_PLUGINS=1).
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: zkm_results
type: aggregate
short_description: Write task results as JSON lines (zkmigrate tests)
description:
  - Appends one JSON object per task result (host, task, status, result) to C($ZKM_RESULTS_FILE).
requirements:
  - enabled in callbacks_enabled
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'zkm_results'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result):
        path = os.environ.get('ZKM_RESULTS_FILE')
        if not path:
            return
        data = dict(result._result)
        rec = {
            'host': result._host.get_name(),
            'task': result._task.get_name(),
            'status': status,
            'result': data,
        }
        with open(path, 'a') as f:
            f.write(json.dumps(rec, default=str, sort_keys=True) + '\n')

    def v2_runner_on_ok(self, result):
        self._write('changed' if result._result.get('changed') else 'ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('failed', result)

    def v2_runner_on_skipped(self, result):
        self._write('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)
