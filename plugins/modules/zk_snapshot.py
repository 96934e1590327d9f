# -*- coding: utf-8 -*-
# Documentation only: the module is the compiled binary plugins/bin/zk_snapshot
# (built by scripts/build.sh), which the action plugin plugins/action/zk_snapshot.py
# runs in place of this file (docs/ANSIBLE.md 1.5). This stub is what ansible-doc,
# `ansible-doc -l` and the sanity tests read.
# GENERATED from zk_snapshot.yml by scripts/module-docs.py: edit the .yml, then run it.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zk_snapshot
short_description: Move a ZooKeeper ensemble's data through its on-disk files
version_added: 0.1.0
author:
- zkmigrate maintainers
description:
- A compiled module (one C++ binary) that reads and writes Apache ZooKeeper's own files (C(snapshot.*),
  C(log.*), C(currentEpoch), C(acceptedEpoch), C(myid)) to migrate a whole database (every znode with
  its data, ACL and stat, sequence counters, sessions) from a source ensemble to a target ensemble.
- I(state=facts) reads a node's C(zoo.cfg), data directories and, when it runs, its four-letter-word answers.
  It changes nothing.
- I(state=bundle) runs on a stopped source node. It writes the newest valid snapshot with every transaction
  logged after it, replayed into one consolidated snapshot, plus C(manifest.json), into I(dest).
- I(state=place) runs on a stopped target node. It checks a bundle against its manifest, moves the node's
  current C(version-2) contents (snapshots, logs, epoch files) into a backup, installs the bundle with
  the target's own membership in C(/zookeeper/config), keeps C(myid), and records what it did in C(<dataDir>/zkmigrate/).
- I(state=verify) runs on a started target node. It compares the live node with the manifest (serving,
  mode, zxid in a newer epoch, znode count; with I(deep) the tree digest and ACLs). It changes nothing.
- I(state=rollback) runs on a stopped target node. It puts back the data that I(state=place) moved aside;
  what ZooKeeper wrote after the placement is kept in the backup folder. With no backup, or one already
  restored, there is nothing to do (C(changed=false)).
- I(state=fleet) runs on the controller. It resolves the cluster pairs of a run from the inventory (I(inventory))
  and checks what Ansible cannot (missing or empty groups, a host on both sides or in two pairs, variables
  zkmigrate does not read). It changes nothing.
- I(state=report) runs on the controller. It appends one pair's record to the run file I(report_file)
  (JSON Lines) and renders the whole file beside it as Markdown and HTML. It never reports a change; in
  check mode it writes nothing.
- Every state fails with one sentence in C(msg) and leaves nothing changed; the details are in the returned
  fields.
- The same binary is an operator command-line tool (C(zk_snapshot inspect|check|consolidate|diff)).
notes:
- The module is an ELF binary, not Python. The managed host needs no Python for it, but needs the binary's
  runtime libraries (Poco, OpenSSL, zlib, snappy, ZooKeeper's C client) and the same architecture and
  C library as the build host.
- Options given as C(key=value) strings (ad-hoc C(-a)) are coerced as AnsibleModule would (booleans from
  yes/no/true/false/on/off/1/0, integers from digits).
- Unknown options are refused, except Ansible's own C(_ansible_*) keys.
- I(state=bundle) and I(state=place) are idempotent. The same source state and the same I(dest) give C(changed=false);
  placing the same bundle twice gives C(changed=false).
extends_documentation_fragment:
- ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is written; C(changed) says whether the run would change something.
  diff_mode:
    support: full
    details: I(state=bundle), I(state=place) and I(state=rollback) show the data before and after (files,
      zxids, counts).
  platform:
    support: full
    platforms: posix
options:
  state:
    description:
    - What to do.
    - C(facts) reports about one node and never changes anything.
    - C(bundle) writes a bundle from a stopped source node into I(dest).
    - C(place) installs the bundle in I(src) on a stopped target node.
    - C(verify) checks a started target node against I(manifest).
    - C(rollback) restores what I(state=place) moved aside on a stopped target node.
    - C(fleet) resolves the cluster pairs of a run from I(inventory) (on the controller).
    - C(report) appends the record I(record) to the run file I(report_file) (on the controller).
    - C(plan) decides the migration from the I(facts) of every node (bundle node, problems, warnings,
      heap and disk estimates with their inputs); it reads no node and changes nothing.
    type: str
    required: true
    choices:
    - facts
    - bundle
    - place
    - verify
    - rollback
    - fleet
    - report
    - plan
  config:
    description:
    - Path of the node's C(zoo.cfg). It names C(dataDir), C(dataLogDir), the client address and the servers
      (also through C(dynamicConfigFile)).
    - When omitted, the usual places are tried in this order, and C(msg) lists them when none exists.
      C($ZOOCFGDIR/zoo.cfg), C(/etc/zookeeper/conf/zoo.cfg) (the Debian package), C(/opt/zookeeper/conf/zoo.cfg),
      C(/usr/share/zookeeper/conf/zoo.cfg), C(/opt/zookeeper/current/conf/zoo.cfg).
    type: path
  dest:
    description:
    - Directory the bundle is written to (created if missing). Required with I(state=bundle).
    - The bundle is built in a staging folder inside I(dest), synced, then renamed into place with C(manifest.json)
      last, so a reader never sees half a bundle; a previous bundle in I(dest) is replaced only when the
      new one is complete.
    - A I(dest) holding C(snapshot.*) or C(log.*) files that are not part of a zkmigrate bundle is refused.
    type: path
  src:
    description:
    - Directory holding a bundle (the files and its C(manifest.json)). Required with I(state=place).
    type: path
  mode:
    description:
    - With I(state=bundle), what the bundle holds.
    - C(consolidated) writes one snapshot named after the last logged zxid that needs no logs.
    - C(raw) ships the newest valid snapshot and the logs it needs, unchanged.
    type: str
    choices:
    - consolidated
    - raw
    default: consolidated
  backup_dir:
    description:
    - With I(state=place), the folder under which the node's current C(version-2) contents are moved,
      into the sub-folder C(<backup_dir>/<migration_id>/). Its C(backup.json) is the placement's journal
      (every move, and the phase reached, written durably at each step), so that a run killed part way
      is finished or undone by the next I(state=place) or I(state=rollback).
    - With I(state=rollback), the folder holding the backup to put back (or that backup folder itself).
      The backup is the one of I(migration_id), else the one C(<dataDir>/zkmigrate/placed.json) names,
      else the only placed migration under I(backup_dir); several are refused.
    - It must be on the filesystem of C(dataDir), because the backup is made by renames, not copies.
    - Defaults to C(<dataDir>/zkmigrate-backup).
    type: path
  migration_id:
    description:
    - With I(state=place) and I(state=rollback), the name of this migration, which names its backup folder
      C(<backup_dir>/<migration_id>/). Give the same value to every I(state=place) and I(state=rollback)
      of one migration, so that placing a rebuilt bundle again keeps the backup of the original data.
    - 1 to 128 of C(A-Z a-z 0-9 . _ -), not starting with a dot.
    - With I(state=place), defaults to C(bundle-) and the first 16 hex digits of the bundle's id, with
      a warning. With I(state=rollback), when omitted the backup is found as I(backup_dir) says.
    type: str
  manifest:
    description:
    - With I(state=verify), the bundle's C(manifest.json) (or the bundle directory) to compare the live
      node with.
    - Defaults to the copy I(state=place) left in C(<dataDir>/zkmigrate/manifest.json).
    type: path
  deep:
    description:
    - With I(state=verify), also walk the live tree through ZooKeeper's C client and compare its digest
      and ACLs with the manifest, naming the first differing paths.
    type: bool
    default: false
  auth:
    description:
    - With I(state=verify) and I(deep), identities added to the walk's session before it reads the tree,
      each C(scheme:credential) (for example C(digest:super:secret) with the target's C(zookeeper.DigestAuthenticationProvider.superDigest)),
      so that znodes whose ACL denies C(world) can be read and the tree digest computed.
    - A list, or a comma-separated string. The values are never returned.
    type: list
    elements: str
    no_log: true
  allow_running:
    description:
    - With I(state=bundle), accept a source node that is running. The copy is then fuzzy (writes may land
      while it is read) and a warning says so.
    type: bool
    default: false
  drop_sessions:
    description:
    - With I(state=bundle) and I(mode=consolidated), drop every session and its ephemeral znodes. By default
      sessions are kept, so that source clients may resume them.
    type: bool
    default: false
  format:
    description:
    - With I(state=bundle) and I(mode=consolidated), the snapshot layout to write, by the oldest ZooKeeper
      version that must read it. C(3.4) and C(3.5) write the layout without digest; C(3.6) to C(3.8) add
      the digest trailer; C(3.9) adds the 3.9 trailer.
    type: str
    choices:
    - '3.4'
    - '3.5'
    - '3.6'
    - '3.7'
    - '3.8'
    - '3.9'
    default: '3.6'
  owner:
    description:
    - With I(state=place), the owner (a name or a numeric id) of the installed files and dirs. Defaults
      to the owner of C(dataDir).
    type: str
  group:
    description:
    - With I(state=place), the group (a name or a numeric id) of the installed files and dirs. Defaults
      to the group of C(dataDir).
    type: str
  client:
    description:
    - With I(state=facts) and I(state=verify), the client endpoint as C(host:port), instead of the one
      C(zoo.cfg) names (C(clientPortAddress) or the server line, and C(clientPort)).
    type: str
  timeout:
    description:
    - Seconds allowed for each network call (four-letter words, the ZooKeeper client, and the connect
      that tells whether a node is running before I(state=bundle), I(state=place) and I(state=rollback)).
      At least 1.
    type: int
    default: 5
  max_buffer:
    description:
    - Largest znode or record accepted, in bytes.
    - C(0) takes ZooKeeper's default (jute.maxbuffer plus its extra size, 2097150 bytes); with I(state=facts),
      the node's own settings.
    type: int
    default: 0
  facts:
    description:
    - With I(state=plan), host -> the result of I(state=facts) on that host (a failed result refuses that
      host by name). Required with I(state=plan).
    type: dict
  source_hosts:
    description:
    - With I(state=plan), the hosts of the source ensemble (keys of I(facts)).
    type: list
    elements: str
  target_hosts:
    description:
    - With I(state=plan), the hosts of the target ensemble (keys of I(facts)).
    type: list
    elements: str
  source_group:
    description:
    - With I(state=plan), the source's inventory group, named in the refusal's msg.
    type: str
    default: the source
  target_group:
    description:
    - With I(state=plan), the target's inventory group, named in the refusal's msg.
    type: str
    default: the target
  phase:
    description:
    - With I(state=plan), C(preflight) plans from the nodes as they run (a running source node whose files
      do not read cleanly is a warning; they are read again once it is stopped).
    - C(bundle) plans from the stopped source read again; a source node that still runs, or whose files
      do not read cleanly, is refused, and the node to bundle on is chosen from the rest.
    type: str
    choices:
    - preflight
    - bundle
    default: preflight
  force:
    description:
    - With I(state=plan), migrate again over a target that already holds an earlier migration of this
      source (its marker), also when that migration is complete.
    type: bool
    default: false
  controller_dir:
    description:
    - With I(state=plan), the controller's staging directory (the module runs on the controller); its
      free space is compared with the bundle's estimated bytes.
    type: path
  heap:
    description:
    - With I(state=facts), the heap the server runs with, as the JVM spells it (C(512m), C(4g), or bytes),
      for a node whose JVM cannot be read (not running, or a heap set another way). Wins over the running
      JVM's C(-Xmx).
    type: str
  server_version:
    description:
    - With I(state=facts), the ZooKeeper version of the server, used when it cannot be asked (C(srvr)),
      e.g. a stopped target.
    type: str
  work_dir:
    description:
    - With I(state=facts), the directory bundles will be written under; its free space (nearest existing
      ancestor) is returned as C(work_free_bytes).
    type: path
  inventory:
    description:
    - With I(state=fleet), the inventory as a play sees it, as a mapping with C(groups) (Ansible's C(groups)),
      C(host_variables) (host -> the names of its variables, or its variables; values are never read),
      and optionally C(zk_migrations), C(zk_source_group) and C(zk_target_group).
    - Without C(zk_migrations) (or with it null or empty, as a template of an undefined C(zk_migrations
      | default(none)) renders) the run is the single pair C(zk_source_group) -> C(zk_target_group) (default
      C(zk_source) -> C(zk_target)).
    type: dict
  report_file:
    description:
    - With I(state=report), the run file on the controller, one JSON record per line. The renders are
      written beside it with its C(.jsonl) or C(.json) extension replaced by C(.md) and C(.html).
    - Its directory must exist.
    type: path
  record:
    description:
    - With I(state=report), what the playbook gathered for one pair, C(pair), C(run_id), C(result), C(msg),
      C(source_hosts), C(target_hosts), C(bundle_host), C(started) and C(finished) (Unix seconds), C(phases)
      (phase name -> [start, end] in Unix seconds, in the order they ran), C(manifest) (the bundle's manifest),
      C(verification) (the results of I(state=verify), each with C(host)), C(rollback) and C(warnings).
      Missing inputs are reported as null.
    type: dict
seealso:
- name: ZooKeeper data file management
  description: What the snapshot and transaction log files are.
  link: https://zookeeper.apache.org/doc/current/zookeeperAdmin.html#sc_dataFileManagement
'''

EXAMPLES = r'''
- name: Read facts from every ZooKeeper node (read-only, safe in check mode)
  zkmigrate.zookeeper.zk_snapshot:
    state: facts
    config: "{{ zk_config }}"
  register: zk

- name: Bundle the stopped source node that holds the newest data
  zkmigrate.zookeeper.zk_snapshot:
    state: bundle
    config: /etc/zookeeper/conf/zoo.cfg
    dest: /var/tmp/zk-bundle
  when: inventory_hostname == zk_bundle_host

- name: Bundle the original snapshot and logs, unchanged
  zkmigrate.zookeeper.zk_snapshot:
    state: bundle
    config: /etc/zookeeper/conf/zoo.cfg
    dest: /var/tmp/zk-bundle-raw
    mode: raw

- name: Place the bundle on a stopped target node, keeping the old data aside
  zkmigrate.zookeeper.zk_snapshot:
    state: place
    config: /etc/zookeeper/conf/zoo.cfg
    src: /var/tmp/zk-bundle
    backup_dir: /var/backups/zookeeper-before-migration
    migration_id: eu-1-1714564800
    owner: zookeeper
    group: zookeeper

- name: Verify a started target node against the manifest, walking the whole tree
  zkmigrate.zookeeper.zk_snapshot:
    state: verify
    config: /etc/zookeeper/conf/zoo.cfg
    manifest: /var/tmp/zk-bundle/manifest.json
    deep: true
    timeout: 30

- name: Put the old data back on a stopped target node
  zkmigrate.zookeeper.zk_snapshot:
    state: rollback
    config: /etc/zookeeper/conf/zoo.cfg
    backup_dir: /var/backups/zookeeper-before-migration
    migration_id: eu-1-1714564800

- name: Resolve the cluster pairs of a run from the inventory (on the controller)
  zkmigrate.zookeeper.zk_snapshot:
    state: fleet
    inventory:
      groups: "{{ groups }}"
      host_variables: "{{ dict(groups['all'] | zip(groups['all'] | map('extract', hostvars) | map('list'))) }}"
      zk_migrations: "{{ zk_migrations | default(none) }}"
  register: zkm_fleet
  delegate_to: localhost
  run_once: true

- name: Append one pair's record to the run's report
  zkmigrate.zookeeper.zk_snapshot:
    state: report
    report_file: ./zkmigrate-report.jsonl
    record:
      pair: eu-1
      run_id: "{{ zkm_run_id }}"
      result: migrated
      phases:
        source_down: ["{{ zkm_down_at }}", "{{ zkm_up_at }}"]
  delegate_to: localhost

- name: Set options once for every zk_snapshot task of a play
  module_defaults:
    group/zkmigrate.zookeeper.all:
      config: /etc/zookeeper/conf/zoo.cfg
      timeout: 10
  block:
    - name: Facts with the defaults above
      zkmigrate.zookeeper.zk_snapshot:
        state: facts
'''

RETURN = r'''
state:
  description: The state that ran.
  returned: when the arguments are valid
  type: str
  sample: bundle
msg:
  description: One sentence saying what was done (or would be done, in check mode), or why it failed.
  returned: always
  type: str
  sample: wrote a consolidated bundle of 0x20000002d (39 znodes) into /var/tmp/zk-bundle
error:
  description: The cause of a failure, as the engine reported it.
  returned: on some failures
  type: dict
  contains:
    ok:
      description: Always C(false) here.
      type: bool
    code:
      description: The kind of error.
      type: str
      sample: not_found
    message:
      description: The cause as text.
      type: str
      sample: no snapshot in /var/lib/zookeeper/version-2
    offset:
      description: Byte offset of damage in a file, when known.
      type: int
      returned: when the error is damage at a known place
warnings:
  description: Things an operator should know (for example that a bundle of a running node is a fuzzy
    copy).
  returned: when there are some
  type: list
  elements: str
diff:
  description: With C(--diff), what the run changes (or would change in check mode).
  returned: with diff mode, when I(state=bundle), I(state=place) or I(state=rollback) changes something
  type: dict
  contains:
    before:
      description:
      - I(state=bundle), the summary of the bundle that was in I(dest) (empty if none).
      - I(state=place), the entries of the target's C(version-2) dirs, and its last zxid and znode count.
      - I(state=rollback), the entries of the target's C(version-2) dirs.
      type: dict
    after:
      description:
      - I(state=bundle), the summary of the new bundle.
      - I(state=place), the bundle's files and its last zxid and znode count.
      - I(state=rollback), the entries the backup puts back.
      type: dict
ansible_facts:
  description: With I(state=facts), the same as C(node), as the host fact C(zk_node).
  returned: I(state=facts), success
  type: dict
  contains:
    zk_node:
      description: See C(node).
      type: dict
node:
  description:
  - With I(state=facts), what the node's files and service say. Damaged or missing data is reported here
    (C(disk.status)), not as a failure; only a missing or unparsable C(zoo.cfg) fails.
  - With I(state=verify), only C(mode), C(zxid), C(zxid_hex), C(node_count) and C(version) of the live
    node.
  returned: I(state=facts), success; I(state=verify), when the manifest was read
  type: dict
  contains:
    config_path:
      description: The C(zoo.cfg) used.
      type: str
      sample: /etc/zookeeper/conf/zoo.cfg
    config_found_by:
      description: C(option), C(ZOOCFGDIR) or C(default location).
      type: str
    data_dir:
      description: C(dataDir).
      type: str
      sample: /var/lib/zookeeper
    data_log_dir:
      description: C(dataLogDir) (C(dataDir) when not set).
      type: str
    myid:
      description: The number in C(dataDir/myid), or C(null).
      type: int
      sample: 1
    standalone:
      description: True when C(zoo.cfg) lists no C(server.N).
      type: bool
    servers:
      description: The C(server.N) lines (also from C(dynamicConfigFile)).
      type: list
      elements: dict
      sample:
      - id: 1
        host: zk1
        quorum_port: 2888
        election_port: 3888
        role: participant
        client_address: zk1
        client_port: 2181
    client_endpoint:
      description: The C(host:port) probed (I(client), or from C(zoo.cfg)).
      type: str
      sample: 10.0.0.11:2181
    process:
      description: The ZooKeeper JVM started with this C(zoo.cfg) (C({pid})), or C(null).
      type: dict
    probe:
      description: The C(srvr) four-letter word, classified (C(status) is C(ok), C(not_whitelisted), C(not_serving),
        C(timeout), C(refused) or C(unexpected)).
      type: dict
      sample:
        command: srvr
        status: refused
        seconds: 0.0002
        error: connection to 10.0.0.11:2181 refused (nothing listens there)
        answer: ''
    mntr:
      description: The C(mntr) four-letter word (C(server_state), C(znode_count), ...), when the node
        answered.
      type: dict
      returned: when the node runs
    running:
      description: Whether ZooKeeper runs (C(null) when it cannot be told).
      type: bool
    serving:
      description: Whether it serves requests.
      type: bool
    mode:
      description: C(leader), C(follower), C(standalone), C(observer), or C(null).
      type: str
      sample: follower
    zxid:
      description: The last processed zxid of the running node (from C(srvr)), with a C(zxid_hex) twin.
      type: int
    node_count:
      description: C(srvr)'s node count (znodes plus one).
      type: int
    version:
      description: The running ZooKeeper version.
      type: str
      sample: 3.8.0
    last_zxid:
      description: The last zxid the files on disk reach (the newest valid snapshot replayed with its
        logs), with C(last_zxid_hex) and C(last_epoch); C(null) when the files do not replay cleanly.
      type: int
      sample: 8589934637
    current_epoch:
      description: The number in C(version-2/currentEpoch), or C(null).
      type: int
    accepted_epoch:
      description: The number in C(version-2/acceptedEpoch), or C(null).
      type: int
    disk:
      description: The files on disk. C(status) (C(ok), or the kind of problem) and C(msg); the newest
        valid C(snapshot) and the C(rejected_snapshots) passed over; C(from_empty_tree) (true for ZooKeeper
        3.4 data with logs and no snapshot, replayed from zxid 0 onto the empty 3.4 tree); C(znodes),
        C(sessions), C(tree_digest), C(orphan_ephemerals); counts and bytes of snapshots and logs; C(logs_replayed);
        C(warnings).
      type: dict
    free_space:
      description: Total, free and available bytes of the filesystems of C(data_dir) and C(data_log_dir).
      type: dict
    settings:
      description: Settings that must match on a target (jute.maxbuffer, digest, extended types, compression,
        ...), each with its C(value), C(source) (C(default), a C(zoo.cfg) line, an env file, the JVM command
        line) and Java C(property).
      type: dict
      sample:
        snap_count:
          value: '20'
          source: /etc/zookeeper/conf/zoo.cfg:11
          property: zookeeper.snapCount
    jute_limit:
      description: The largest record the node accepts, in bytes (jute.maxbuffer plus its extra size).
      type: int
      sample: 2097150
    warnings:
      description: Surprises in C(zoo.cfg) or the settings.
      type: list
      elements: str
bundle:
  description:
  - I(state=bundle), the bundle written (or found up to date, or in check mode the one that would be written).
  - I(state=place), the bundle placed.
  returned: I(state=bundle) or I(state=place), success
  type: dict
  contains:
    mode:
      description: C(consolidated) or C(raw).
      type: str
    snapshot_format:
      description: The snapshot layout (C(3.4), C(3.6), C(3.9)), or C(source) for a raw bundle.
      type: str
    files:
      description: The bundle's data files.
      type: list
      elements: str
      sample:
      - snapshot.20000002d
    bytes:
      description: Their total size.
      type: int
    snapshot_zxid:
      description: The zxid of the bundle's snapshot, with a C(snapshot_zxid_hex) twin.
      type: int
    last_zxid:
      description: The zxid the bundle loads to, with a C(last_zxid_hex) twin.
      type: int
      sample: 8589934637
    znodes:
      description: Znodes in the tree, the root included.
      type: int
      sample: 39
    tree_digest:
      description: ZooKeeper's digest of the whole tree.
      type: int
    sessions:
      description: Sessions kept.
      type: int
    ephemerals:
      description: Ephemeral znodes kept.
      type: int
    created:
      description: When the bundle was made (UTC).
      type: str
      sample: '2024-05-01T12:00:00Z'
    dir:
      description: The bundle directory (I(state=bundle), when written).
      type: str
    manifest_sha256:
      description: SHA-256 of C(manifest.json) (I(state=bundle), when written).
      type: str
manifest:
  description:
  - I(state=bundle), the path of the bundle's C(manifest.json) (a string).
  - I(state=verify), what the node is compared with (a dict of C(last_zxid), C(last_zxid_hex), C(znodes),
    C(tree_digest), C(acl_count)).
  returned: I(state=bundle), success; I(state=verify), when the manifest was read
  type: raw
  sample: /var/tmp/zk-bundle/manifest.json
dropped_ephemerals:
  description: Ephemeral znodes dropped while consolidating (their session was gone, or I(drop_sessions)).
  returned: I(state=bundle) with I(mode=consolidated), when written
  type: int
  sample: 0
bundle_id:
  description: SHA-256 of the bundle's C(manifest.json); the same id placed twice changes nothing.
  returned: I(state=place), when the bundle verified
  type: str
backup_dir:
  description:
  - I(state=place), the backup folder the old data went to (or would go to, or went to when the bundle
    was first placed).
  - I(state=rollback), the backup folder restored (C(<backup_dir>/<migration_id>)).
  returned: I(state=place), success; I(state=rollback), when a backup was found
  type: str
  sample: /var/lib/zookeeper/zkmigrate-backup/eu-1-1714564800
migration_id:
  description:
  - I(state=place), the migration the backup is named by (I(migration_id), or the default made from the
    bundle's id).
  - I(state=rollback), the migration whose backup was restored.
  returned: I(state=place), when the bundle verified; I(state=rollback), when a backup was found
  type: str
  sample: eu-1-1714564800
recovered:
  description:
  - I(state=place) and I(state=rollback), what an earlier run that was interrupted (killed, or the host
    lost) had left, and what this run did about it before its own work (in check mode, would do).
  - Each has C(migration_id), C(backup_dir), C(found_phase) (the journal's phase found), C(action) (C(finished),
    C(undone) or C(restored)) and C(detail) (one sentence).
  - Empty when no run was interrupted.
  returned: I(state=place), when the bundle verified; I(state=rollback), when the node was stopped
  type: list
  elements: dict
moved:
  description: The entries of the target's C(version-2) dirs moved (or to move, in check mode) into the
    backup.
  returned: I(state=place), when the bundle was not already placed
  type: list
  elements: str
installed:
  description: The files installed, each with C(path) and C(sha256).
  returned: I(state=place), changed and not in check mode
  type: list
  elements: dict
membership_rewritten:
  description: Whether C(/zookeeper/config) in the installed snapshot was rewritten to the target's own
    servers.
  returned: I(state=place), changed and not in check mode
  type: bool
restored:
  description: I(state=rollback), the paths put back (or to put back, in check mode).
  returned: I(state=rollback), when a backup was found and not yet restored
  type: list
  elements: str
displaced:
  description: I(state=rollback), what ZooKeeper wrote after the placement, kept in the backup folder
    rather than deleted.
  returned: I(state=rollback), changed and not in check mode
  type: list
  elements: str
manifest_path:
  description: I(state=verify), the manifest read (I(manifest), or the copy C(place) left in C(<dataDir>/zkmigrate/manifest.json)).
  returned: I(state=verify), when a zoo.cfg was found
  type: str
endpoint:
  description: I(state=verify), the C(host:port) checked.
  returned: I(state=verify), when the manifest was read
  type: str
  sample: 10.0.0.21:2181
verified:
  description: I(state=verify), true when every check passed.
  returned: I(state=verify), when the manifest was read
  type: bool
checks:
  description:
  - I(state=verify), every check with C(name) (C(serving), C(mode), C(zxid), C(epoch), C(node_count),
    and with I(deep) C(tree_znodes), C(tree_digest), C(acl_count)), C(status) (C(ok), C(failed), C(skipped),
    C(inconclusive)), C(expected), C(actual) and C(msg). The first failed one is named in C(msg).
  - I(state=bundle), the preconditions checked before writing (C(dest_free_bytes_needed)).
  returned: I(state=verify), when the manifest was read; I(state=bundle), when the bundle is not up to
    date
  type: raw
  sample:
  - name: zxid
    status: ok
    expected: '> 0x20000002d'
    actual: '0x300000000'
    msg: the zxid continues from the manifest's last zxid
deep:
  description: I(state=verify) with I(deep), the walk of the live tree (C(status), C(znodes), C(tree_digest),
    C(acl_lists), C(ephemerals), C(unreadable), C(unreadable_paths), C(vanished), C(seconds)).
  returned: I(state=verify) with I(deep=true), when the node serves
  type: dict
searched:
  description: I(state=facts), the C(zoo.cfg) paths tried when none was found.
  returned: I(state=facts), when no zoo.cfg was found
  type: list
  elements: str
  sample:
  - /etc/zookeeper/conf/zoo.cfg
  - /opt/zookeeper/conf/zoo.cfg
pairs:
  description: With I(state=fleet), the pairs of the run in inventory order.
  returned: state=fleet
  type: list
  elements: dict
  contains:
    name:
      description: The pair's name (keys its work dirs
      locks and report record).: null
      type: str
    source_group:
      description: Inventory group of the source ensemble.
      type: str
    target_group:
      description: Inventory group of the target ensemble.
      type: str
    source_hosts:
      description: The source's hosts.
      type: list
      elements: str
    target_hosts:
      description: The target's hosts.
      type: list
      elements: str
    ok:
      description: False when the pair is refused (see I(problems)).
      type: bool
    problems:
      description: Why the pair is refused
      each saying what to change.: null
      type: list
      elements: str
    warnings:
      description: What the pair's run may want to know.
      type: list
      elements: str
    overrides:
      description: The pair's other keys in C(zk_migrations)
      as given.: null
      type: dict
problems:
  description: With I(state=fleet), problems of the run as a whole (they refuse every pair).
  returned: state=fleet
  type: list
  elements: str
refused:
  description: With I(state=fleet), how many pairs the inventory checks refused.
  returned: state=fleet
  type: int
files:
  description: With I(state=report), the run file and its renders.
  returned: state=report
  type: dict
  contains:
    json:
      description: The run file (JSON Lines).
      type: str
    markdown:
      description: The Markdown render.
      type: str
    html:
      description: The self-contained HTML render.
      type: str
plan:
  description:
  - With I(state=plan), the plan. C(ok); C(action) (C(migrate), C(skip) when every target already holds
    this source's data at the same zxid, C(refuse)); C(bundle_host) and C(source_last_zxid(_hex)) (the
    node ZooKeeper's election would pick, highest currentEpoch, last zxid, myid; ties by host name); C(bundle_format)
    (the caller's, else the oldest target version's); C(source_running); C(source_candidates) (host, eligible,
    running, current_epoch, last_zxid(_hex), myid); C(problems) (each refuses and says what to change);
    C(warnings); C(estimates) (C(heap), C(bundle_bytes), each with C(bytes) and the C(inputs) it was computed
    from); C(msg).
  - When C(problems) is not empty the module fails with them in I(msg).
  returned: state=plan
  type: dict
heap_bytes:
  description:
  - With I(state=facts), the server's maximum heap (I(heap), else the running JVM's last C(-Xmx) or C(-XX:MaxHeapSize));
    null when unknown.
  returned: state=facts
  type: int
heap_source:
  description: With I(state=facts), where I(heap_bytes) came from (C(option), C(cmdline of pid N)); null
    when unknown.
  returned: state=facts
  type: str
work_dir:
  description: With I(state=facts) and I(work_dir), the directory whose free space I(work_free_bytes)
    is.
  returned: state=facts with work_dir
  type: str
work_free_bytes:
  description:
  - With I(state=facts) and I(work_dir), bytes available where bundles will be written; null when unreadable.
  returned: state=facts with work_dir
  type: int
marker:
  description: With I(state=facts), the C(zkmigrate-migration.json) a finished migration left in the dataDir,
    or null.
  returned: state=facts
  type: dict
version:
  description:
  - With I(state=facts), the server's ZooKeeper version (C(srvr), else I(server_version)); null when unknown.
  returned: state=facts
  type: str
version_source:
  description: With I(state=facts), C(srvr) or C(option); null when I(version) is.
  returned: state=facts
  type: str
summary:
  description: With I(state=report), the run's records so far as the lines of an aligned text table.
  returned: state=report
  type: list
  elements: str
run_records:
  description: With I(state=report), how many records of this run the run file holds (1 in check mode).
  returned: state=report
  type: int
record:
  description:
  - With I(state=report), the normalised record (pair, run_id, result, msg, started, finished, seconds,
    phases, source_down_seconds, bytes_moved, files, source_last_zxid(_hex), target_zxid(_hex), znodes,
    tree_digest, bundle_mode, verification_strength (none, shallow, partial, full), verification, rollback,
    warnings).
  returned: state=report
  type: dict
'''
