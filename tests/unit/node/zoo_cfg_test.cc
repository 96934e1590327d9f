#include "node/zoo_cfg.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace zkm {
namespace {

// Parses `text` as zoo.cfg; dataDir is added when the text has none.
ZooCfg Parse(const std::string& text, ConfigFileReader reader = {}) {
  std::string t = text.find("dataDir") == std::string::npos ? text + "\ndataDir=/d\n" : text;
  auto r = ParseZooCfg(t, "zoo.cfg", std::move(reader));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ZooCfg();
}

Status ParseError(const std::string& text, ConfigFileReader reader = {}) {
  auto r = ParseZooCfg(text, "zoo.cfg", std::move(reader));
  EXPECT_FALSE(r.ok());
  return r.status();
}

std::vector<PropertyLine> Props(const std::string& text) {
  auto r = ParseJavaProperties(text, "p");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<PropertyLine>();
}

// ---- java.util.Properties syntax

TEST(ZooCfg, EqualsSeparator) {
  ZooCfg c = Parse("tickTime=2000\n");
  EXPECT_EQ(c.props.at("tickTime"), "2000");
}

TEST(ZooCfg, ColonSeparator) {
  ZooCfg c = Parse("tickTime:2000\n");
  EXPECT_EQ(c.props.at("tickTime"), "2000");
}

TEST(ZooCfg, WhitespaceSeparator) {
  ZooCfg c = Parse("tickTime 2000\ninitLimit\t\t10\nsyncLimit\f5\n");
  EXPECT_EQ(c.props.at("tickTime"), "2000");
  EXPECT_EQ(c.props.at("initLimit"), "10");
  EXPECT_EQ(c.props.at("syncLimit"), "5");
}

TEST(ZooCfg, WhitespaceAroundSeparatorIsSkipped) {
  auto p = Props("a = 1\nb  :  2\nc :=3\nd=:4\n  e=5\n");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].key, "a");
  EXPECT_EQ(p[0].value, "1");
  EXPECT_EQ(p[1].value, "2");
  EXPECT_EQ(p[2].value, "=3");  // only the first separator counts
  EXPECT_EQ(p[3].value, ":4");
  EXPECT_EQ(p[4].key, "e");
}

TEST(ZooCfg, KeyWithoutValue) {
  auto p = Props("lonely\nempty=\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].key, "lonely");
  EXPECT_EQ(p[0].value, "");
  EXPECT_EQ(p[1].value, "");
}

TEST(ZooCfg, TrailingWhitespaceOfValueIsTrimmedLikeZooKeeper) {
  auto p = Props("dataDir=/var/lib/zookeeper  \t\n");
  EXPECT_EQ(p[0].value, "/var/lib/zookeeper  \t");  // Properties keeps it
  ZooCfg c = Parse("dataDir=/var/lib/zookeeper  \t\n");
  EXPECT_EQ(c.props.at("dataDir"), "/var/lib/zookeeper");  // QuorumPeerConfig trims
  EXPECT_EQ(c.data_dir, "/var/lib/zookeeper");
}

TEST(ZooCfg, CommentsAndBlankLines) {
  auto p =
      Props("# hash comment\n! bang comment\n   # indented comment\n\n  \t \na=b#not a comment\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "a");
  EXPECT_EQ(p[0].value, "b#not a comment");
  EXPECT_EQ(p[0].line, 6);
}

TEST(ZooCfg, CommentLineEndingInBackslashDoesNotContinue) {
  auto p = Props("# comment \\\na=1\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "a");
  EXPECT_EQ(p[0].line, 2);
}

TEST(ZooCfg, LineContinuationDropsLeadingWhitespace) {
  auto p = Props("x=1\n4lw.commands.whitelist=srvr, \\\n      mntr,\\\n\truok\ny=2\n");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].value, "srvr, mntr,ruok");
  EXPECT_EQ(p[1].line, 2);  // the line the key starts on
  EXPECT_EQ(p[2].line, 5);
}

TEST(ZooCfg, ContinuedLineStartingWithHashIsNotAComment) {
  auto p = Props("a=1\\\n# still a\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].value, "1# still a");
}

TEST(ZooCfg, HashAfterAnEmptyContinuationIsAComment) {
  // JDK 9+: a comment starts wherever the logical line is still empty.
  auto p = Props("\\\n#x=1\nb=2\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "b");
  EXPECT_EQ(p[0].line, 3);
}

TEST(ZooCfg, EvenNumberOfBackslashesDoesNotContinue) {
  auto p = Props("a=c:\\\\\nb=2\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, "c:\\");
  EXPECT_EQ(p[1].key, "b");
}

TEST(ZooCfg, ThreeBackslashesContinue) {
  auto p = Props("a=x\\\\\\\n  y\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].value, "x\\y");
}

TEST(ZooCfg, ContinuationAtEndOfFileIsDropped) {
  auto p = Props("a=1\\");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].value, "1");
}

TEST(ZooCfg, ContinuationIntoBlankLineEndsTheValue) {
  auto p = Props("a=1\\\n\nb=2\n");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, "1");
  EXPECT_EQ(p[1].line, 3);
}

TEST(ZooCfg, CrLfAndCrLineEndingsCountLines) {
  auto p = Props("a=1\r\nb=2\rc=3\r\n\r\nd=4\\\r\n  5\r\ne=6");
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[1].line, 2);
  EXPECT_EQ(p[2].line, 3);
  EXPECT_EQ(p[3].value, "45");
  EXPECT_EQ(p[3].line, 5);
  EXPECT_EQ(p[4].line, 7);
}

TEST(ZooCfg, EscapeTab) {
  EXPECT_EQ(Props("a=x\\ty")[0].value, "x\ty");
}
TEST(ZooCfg, EscapeNewline) {
  EXPECT_EQ(Props("a=x\\ny")[0].value, "x\ny");
}
TEST(ZooCfg, EscapeReturn) {
  EXPECT_EQ(Props("a=x\\ry")[0].value, "x\ry");
}
TEST(ZooCfg, EscapeFormFeed) {
  EXPECT_EQ(Props("a=x\\fy")[0].value, "x\fy");
}
TEST(ZooCfg, EscapeBackslash) {
  EXPECT_EQ(Props("a=C:\\\\zk")[0].value, "C:\\zk");
}
TEST(ZooCfg, OtherEscapeMeansTheCharItself) {
  EXPECT_EQ(Props("a=\\b\\q\\#\\!")[0].value, "bq#!");
}

TEST(ZooCfg, EscapedSeparatorsStayInTheKey) {
  auto p = Props("a\\:b\\=c\\ d=v\\=w\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "a:b=c d");
  EXPECT_EQ(p[0].value, "v=w");
}

TEST(ZooCfg, EscapedLeadingSpaceOfValue) {
  EXPECT_EQ(Props("a=\\  x")[0].value, "  x");
}

TEST(ZooCfg, UnicodeEscapeBecomesUtf8) {
  EXPECT_EQ(Props("a=\\u0041")[0].value, "A");
  EXPECT_EQ(Props("a=caf\\u00e9")[0].value, "caf\xC3\xA9");
  EXPECT_EQ(Props("a=\\u20AC")[0].value, "\xE2\x82\xAC");
  EXPECT_EQ(Props("a=\\uD83D\\uDE00")[0].value, "\xF0\x9F\x98\x80");  // surrogate pair
  EXPECT_EQ(Props("k\\u0065y=v")[0].key, "key");
}

TEST(ZooCfg, MalformedUnicodeEscapeNamesFileAndLine) {
  Status st = ParseError("dataDir=/d\n\nclientPortAddress=\\u12G4\n");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "zoo.cfg:3: malformed \\uXXXX escape (4 hex digits needed)");
}

TEST(ZooCfg, ShortUnicodeEscapeIsMalformed) {
  Status st = ParseError("dataDir=/d\nx=\\u12\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: malformed \\uXXXX escape (4 hex digits needed)");
}

TEST(ZooCfg, DuplicateKeyLastWinsWithWarning) {
  ZooCfg c = Parse("dataDir=/d\nclientPort=2181\ntickTime=2000\nclientPort=2182\n");
  EXPECT_EQ(c.client_port, 2182);
  EXPECT_EQ(c.lines.at("clientPort"), 4);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "zoo.cfg:4: clientPort is set again (before at line 2); the last value wins");
}

TEST(ZooCfg, KeepsLineOfEveryKey) {
  ZooCfg c = Parse("# header\ntickTime=2000\n\ndataDir=/d\n   initLimit=5\n");
  EXPECT_EQ(c.lines.at("tickTime"), 2);
  EXPECT_EQ(c.lines.at("dataDir"), 4);
  EXPECT_EQ(c.lines.at("initLimit"), 5);
  EXPECT_EQ(c.path, "zoo.cfg");
}

// ---- server.N

TEST(ZooCfg, ServerLineHostPortPort) {
  ZooCfg c = Parse("dataDir=/d\nserver.2=zk2.example.com:2888:3888\nserver.1=zk1:2888:3888\n");
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].id, 1);  // sorted by id
  EXPECT_EQ(c.servers[1].id, 2);
  EXPECT_EQ(c.servers[1].host, "zk2.example.com");
  EXPECT_EQ(c.servers[1].quorum_port, 2888);
  EXPECT_EQ(c.servers[1].election_port, 3888);
  EXPECT_EQ(c.servers[1].role, "participant");
  EXPECT_EQ(c.servers[1].client_port, 0);
  EXPECT_EQ(c.servers[1].line, 2);
  EXPECT_EQ(c.servers[1].source, "zoo.cfg");
}

TEST(ZooCfg, ServerLineObserver) {
  ZooCfg c = Parse("server.4=zk4:2888:3888:observer\n");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].role, "observer");
}

TEST(ZooCfg, ServerLineRoleIsCaseInsensitive) {
  ZooCfg c = Parse("server.1=zk1:2888:3888:Participant\nserver.2=zk2:2888:3888:OBSERVER\n");
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].role, "participant");
  EXPECT_EQ(c.servers[1].role, "observer");
}

TEST(ZooCfg, ServerLineIpv6InBrackets) {
  ZooCfg c = Parse("server.1=[::1]:2888:3888\nserver.2=[fe80::1%eth0]:2889:3889:observer\n");
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].host, "::1");
  EXPECT_EQ(c.servers[0].quorum_port, 2888);
  EXPECT_EQ(c.servers[0].election_port, 3888);
  EXPECT_EQ(c.servers[1].host, "fe80::1%eth0");
  EXPECT_EQ(c.servers[1].role, "observer");
}

TEST(ZooCfg, ServerLineClientPortOnly) {
  ZooCfg c = Parse("server.1=zk1:2888:3888;2181\n");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].client_address, "");
  EXPECT_EQ(c.servers[0].client_port, 2181);
}

TEST(ZooCfg, ServerLineRoleAndClientAddress) {
  ZooCfg c = Parse("server.3=zk3:2888:3888:participant;10.0.0.3:2181\n");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].role, "participant");
  EXPECT_EQ(c.servers[0].client_address, "10.0.0.3");
  EXPECT_EQ(c.servers[0].client_port, 2181);
}

TEST(ZooCfg, ServerLineIpv6ClientAddress) {
  ZooCfg c = Parse("server.1=[2001:db8::1]:2888:3888:observer;[2001:db8::1]:2181\n");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].client_address, "2001:db8::1");
  EXPECT_EQ(c.servers[0].client_port, 2181);
}

TEST(ZooCfg, ServerLineMultipleAddresses) {
  ZooCfg c = Parse("server.1=10.0.0.1:2888:3888|10.1.0.1:2888:3888;2181\n");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_EQ(c.servers[0].host, "10.0.0.1");
  ASSERT_EQ(c.servers[0].more_addresses.size(), 1u);
  EXPECT_EQ(c.servers[0].more_addresses[0], "10.1.0.1:2888:3888");
  EXPECT_EQ(c.servers[0].client_port, 2181);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "zoo.cfg:1: server.1 lists several addresses: ZooKeeper 3.6+ refuses "
            "that unless multiAddress.enabled=true");
  EXPECT_TRUE(Parse("multiAddress.enabled=true\nserver.1=a:1:2|b:1:2\n").warnings.empty());
}

TEST(ZooCfg, ServerLineTrailingColonIsIgnoredLikeJava) {
  ZooCfg c = Parse("server.1=zk1:2888:3888:\nserver.2=zk2:2888:3888;\n");
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].role, "participant");
  EXPECT_EQ(c.servers[1].client_port, 0);
}

TEST(ZooCfg, ServerLineWithoutElectionPortIsAnError) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888\n");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "zoo.cfg:2: server.1=zk1:2888: expected "
            "host:quorumPort:electionPort[:participant|observer][;[clientAddress:]clientPort]");
}

TEST(ZooCfg, ServerLineWithTwoClientPartsIsAnError) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888:3888;2181;2182\n");
  EXPECT_EQ(st.message().rfind("zoo.cfg:2: server.1=zk1:2888:3888;2181;2182: expected", 0), 0u)
      << st.message();
}

TEST(ZooCfg, ServerLineBadPortNamesLine) {
  Status st = ParseError("dataDir=/d\n\nserver.1=zk1:28x8:3888\n");
  EXPECT_EQ(st.message(), "zoo.cfg:3: server.1 quorum port '28x8' is not a number");
}

TEST(ZooCfg, ServerLineBadClientPort) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888:3888;abc\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: server.1 client port 'abc' is not a number");
}

TEST(ZooCfg, ServerLineElectionPortOutOfRange) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888:70000\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: server.1 election port 70000 is out of range (0-65535)");
}

TEST(ZooCfg, ServerLineUnknownRole) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888:3888:leader\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: server.1: unknown role 'leader' (participant or observer)");
}

TEST(ZooCfg, ServerLineSamePortsRejected) {
  Status st = ParseError("dataDir=/d\nserver.1=zk1:2888:2888\n");
  EXPECT_EQ(st.message(),
            "zoo.cfg:2: server.1: the quorum and election ports must differ (both 2888)");
}

TEST(ZooCfg, ServerIdNotANumber) {
  Status st = ParseError("dataDir=/d\nserver.one=zk1:2888:3888\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: the server id in 'server.one' is not a number");
}

TEST(ZooCfg, ServerLineUnclosedBracket) {
  Status st = ParseError("dataDir=/d\nserver.1=[::1:2888:3888\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: '[::1:2888:3888' starts with '[' but has no matching ']'");
}

// ---- numbers and dirs

TEST(ZooCfg, BadClientPortNamesLine) {
  Status st = ParseError("dataDir=/d\ntickTime=2000\n\nclientPort=21 81\n");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "zoo.cfg:4: clientPort '21 81' is not a number");
}

TEST(ZooCfg, ClientPortOutOfRange) {
  Status st = ParseError("dataDir=/d\nclientPort=65536\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: clientPort 65536 is out of range (0-65535)");
}

TEST(ZooCfg, ClientPortsAndAddress) {
  ZooCfg c = Parse("clientPort=+2181\nsecureClientPort=2281\nclientPortAddress=10.0.0.5\n");
  EXPECT_EQ(c.client_port, 2181);  // Integer.parseInt accepts a '+'
  EXPECT_EQ(c.secure_client_port, 2281);
  EXPECT_EQ(c.client_port_address, "10.0.0.5");
}

TEST(ZooCfg, MissingDataDirIsAnError) {
  Status st = ParseError("tickTime=2000\nclientPort=2181\n");
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "zoo.cfg: dataDir is not set");
}

TEST(ZooCfg, EmptyDataDirIsAnError) {
  Status st = ParseError("tickTime=2000\ndataDir=\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: dataDir is empty");
}

TEST(ZooCfg, DataLogDirDefaultsToDataDir) {
  ZooCfg c = Parse("dataDir=/var/lib/zookeeper\n");
  EXPECT_EQ(c.data_log_dir, "/var/lib/zookeeper");
  EXPECT_FALSE(c.data_log_dir_explicit);
}

TEST(ZooCfg, DataLogDirExplicit) {
  ZooCfg c = Parse("dataDir=/var/lib/zookeeper\ndataLogDir=/fast/zk-logs/\n");
  EXPECT_EQ(c.data_log_dir, "/fast/zk-logs");
  EXPECT_TRUE(c.data_log_dir_explicit);
}

TEST(ZooCfg, DataDirTrailingSlashesNormalised) {
  EXPECT_EQ(Parse("dataDir=/var/lib/zookeeper/\n").data_dir, "/var/lib/zookeeper");
  EXPECT_EQ(Parse("dataDir=/var//lib/zookeeper//\n").data_dir, "/var/lib/zookeeper");
  EXPECT_EQ(Parse("dataDir=/\n").data_dir, "/");
}

TEST(ZooCfg, RelativeDataDirKeptWithWarning) {
  ZooCfg c = Parse("dataDir=data/zk/\n");
  EXPECT_EQ(c.data_dir, "data/zk");
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "zoo.cfg:1: dataDir 'data/zk/' is relative: ZooKeeper resolves it against its working "
            "directory, not zoo.cfg's");
}

TEST(ZooCfg, SnapCountAndAutopurge) {
  ZooCfg c = Parse("snapCount=50000\nautopurge.snapRetainCount=5\nautopurge.purgeInterval=24\n");
  EXPECT_EQ(c.snap_count, 50000);
  EXPECT_EQ(c.autopurge_snap_retain_count, 5);
  EXPECT_EQ(c.autopurge_purge_interval, 24);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ZooCfg, Defaults) {
  ZooCfg c = Parse("dataDir=/d\n");
  EXPECT_EQ(c.snap_count, 100000);
  EXPECT_EQ(c.autopurge_snap_retain_count, 3);
  EXPECT_EQ(c.autopurge_purge_interval, 0);
  EXPECT_EQ(c.client_port, 0);
  EXPECT_TRUE(c.servers.empty());
  EXPECT_FALSE(c.four_letter_whitelist_explicit);
}

TEST(ZooCfg, SnapRetainCountBelowThreeIsRaised) {
  ZooCfg c = Parse("dataDir=/d\nautopurge.snapRetainCount=1\n");
  EXPECT_EQ(c.autopurge_snap_retain_count, 3);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "zoo.cfg:2: autopurge.snapRetainCount 1 is below 3: ZooKeeper uses 3");
}

TEST(ZooCfg, BadSnapCountFallsBackWithWarning) {
  ZooCfg c = Parse("dataDir=/d\nsnapCount=lots\n");
  EXPECT_EQ(c.snap_count, 100000);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "zoo.cfg:2: snapCount 'lots' is not a number: ZooKeeper silently uses 100000");
}

TEST(ZooCfg, BadPurgeIntervalIsAnError) {
  Status st = ParseError("dataDir=/d\nautopurge.purgeInterval=1h\n");
  EXPECT_EQ(st.message(), "zoo.cfg:2: autopurge.purgeInterval '1h' is not a number");
}

TEST(ZooCfg, FourLetterWhitelist) {
  ZooCfg c = Parse("4lw.commands.whitelist= srvr ,mntr,, ruok ,\n");
  EXPECT_TRUE(c.four_letter_whitelist_explicit);
  EXPECT_EQ(c.four_letter_whitelist, (std::vector<std::string>{"srvr", "mntr", "ruok"}));
}

// ---- dynamicConfigFile

TEST(ZooCfg, DynamicConfigFileRelativeToZooCfgDir) {
  std::string asked;
  auto reader = [&](const std::string& p) -> Result<std::string> {
    asked = p;
    return std::string(
        "server.1=zk1:2888:3888:participant;2181\n"
        "server.2=zk2:2888:3888:observer;0.0.0.0:2181\nversion=100000000\n");
  };
  auto r = ParseZooCfg("dataDir=/d\ndynamicConfigFile=zoo.cfg.dynamic.100000000\n",
                       "/etc/zookeeper/conf/zoo.cfg", reader);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(asked, "/etc/zookeeper/conf/zoo.cfg.dynamic.100000000");
  EXPECT_EQ(r->dynamic_config_file, asked);
  ASSERT_EQ(r->servers.size(), 2u);
  EXPECT_EQ(r->servers[1].role, "observer");
  EXPECT_EQ(r->servers[1].source, asked);
  EXPECT_EQ(r->servers[1].line, 2);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0],
            "/etc/zookeeper/conf/zoo.cfg:2: dynamicConfigFile 'zoo.cfg.dynamic.100000000' is "
            "relative: read here as /etc/zookeeper/conf/zoo.cfg.dynamic.100000000, but ZooKeeper "
            "opens it relative to its working directory");
}

TEST(ZooCfg, DynamicConfigFileAbsolute) {
  std::string asked;
  auto reader = [&](const std::string& p) -> Result<std::string> {
    asked = p;
    return std::string("server.1=zk1:2888:3888;2181\n");
  };
  ZooCfg c = Parse("dataDir=/d\ndynamicConfigFile=/srv/zk/zoo.cfg.dynamic\n", reader);
  EXPECT_EQ(asked, "/srv/zk/zoo.cfg.dynamic");
  ASSERT_EQ(c.servers.size(), 1u);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(ZooCfg, MissingDynamicConfigFileNamesIt) {
  auto reader = [](const std::string& p) -> Result<std::string> {
    return Status::NotFound("cannot open " + p + ": No such file or directory");
  };
  Status st = ParseError("dataDir=/d\ndynamicConfigFile=/srv/zk/zoo.cfg.dynamic\n", reader);
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(),
            "zoo.cfg:2: cannot read dynamicConfigFile /srv/zk/zoo.cfg.dynamic (cannot open "
            "/srv/zk/zoo.cfg.dynamic: No such file or directory)");
}

TEST(ZooCfg, BadServerLineInDynamicFileNamesThatFile) {
  auto reader = [](const std::string&) -> Result<std::string> {
    return std::string("server.1=zk1:2888:3888\nserver.2=zk2:x:3888\n");
  };
  Status st = ParseError("dataDir=/d\ndynamicConfigFile=/srv/dyn\n", reader);
  EXPECT_EQ(st.message(), "/srv/dyn:2: server.2 quorum port 'x' is not a number");
}

TEST(ZooCfg, StaticServerLineWithDynamicFileIsRejected) {
  auto reader = [](const std::string&) -> Result<std::string> { return std::string(); };
  Status st =
      ParseError("dataDir=/d\nserver.1=zk1:2888:3888\ndynamicConfigFile=/srv/dyn\n", reader);
  EXPECT_EQ(st.message(),
            "zoo.cfg:2: server.1 must be in the dynamicConfigFile: ZooKeeper refuses it in "
            "zoo.cfg when dynamicConfigFile is set");
}

// ---- ClientEndpoint

TEST(ZooCfg, ClientEndpointPrefersClientPortAddress) {
  ZooCfg c =
      Parse("clientPort=2181\nclientPortAddress=10.0.0.5\nserver.1=zk1:2888:3888;10.9.9.9:2182\n");
  EXPECT_EQ(c.ClientEndpoint(1), "10.0.0.5:2181");
}

TEST(ZooCfg, ClientEndpointFromOwnServerLine) {
  ZooCfg c = Parse("server.1=zk1:2888:3888;10.0.0.1:2181\nserver.2=zk2:2888:3888;10.0.0.2:2182\n");
  EXPECT_EQ(c.ClientEndpoint(2), "10.0.0.2:2182");
}

TEST(ZooCfg, ClientEndpointWildcardBecomesLoopback) {
  ZooCfg c = Parse(
      "server.1=zk1:2888:3888;2181\nserver.2=zk2:2888:3888;0.0.0.0:2182\n"
      "server.3=zk3:2888:3888;[::]:2183\n");
  EXPECT_EQ(c.ClientEndpoint(1), "127.0.0.1:2181");
  EXPECT_EQ(c.ClientEndpoint(2), "127.0.0.1:2182");
  EXPECT_EQ(c.ClientEndpoint(3), "[::1]:2183");
}

TEST(ZooCfg, ClientEndpointBracketsIpv6) {
  ZooCfg c = Parse("clientPort=2181\nclientPortAddress=2001:db8::5\n");
  EXPECT_EQ(c.ClientEndpoint(1), "[2001:db8::5]:2181");
}

TEST(ZooCfg, ClientEndpointFallsBackToLoopback) {
  ZooCfg c = Parse("clientPort=2181\nserver.1=zk1:2888:3888\n");
  EXPECT_EQ(c.ClientEndpoint(1), "127.0.0.1:2181");
  EXPECT_EQ(c.ClientEndpoint(7), "127.0.0.1:2181");
}

TEST(ZooCfg, ClientEndpointEmptyWithoutClientPort) {
  EXPECT_EQ(Parse("dataDir=/d\n").ClientEndpoint(1), "");
  // clientPortAddress alone does not open a port.
  EXPECT_EQ(Parse("clientPortAddress=10.0.0.5\n").ClientEndpoint(1), "");
}

// ---- whole files

// The file Debian's zookeeper package installs as /etc/zookeeper/conf/zoo.cfg
// (3.8), with a quorum added the way its comments suggest.
const char kDebianZooCfg[] =
    R"(# http://hadoop.apache.org/zookeeper/docs/current/zookeeperAdmin.html

# The number of milliseconds of each tick
tickTime=2000
# The number of ticks that the initial 
# synchronization phase can take
initLimit=10
# The number of ticks that can pass between 
# sending a request and getting an acknowledgement
syncLimit=5
# the directory where the snapshot is stored.
dataDir=/var/lib/zookeeper
# Place the dataLogDir to a separate physical disc for better performance
# dataLogDir=/disk2/zookeeper

# the port at which the clients will connect
clientPort=2181

# specify all zookeeper servers
# The fist port is used by followers to connect to the leader
# The second one is used for leader election
server.1=zookeeper1:2888:3888
server.2=zookeeper2:2888:3888
server.3=zookeeper3:2888:3888

# To avoid seeks ZooKeeper allocates space in the transaction log file in
# blocks of preAllocSize kilobytes. The default block size is 64M. One reason
# for changing the size of the blocks is to reduce the block size if snapshots
# are taken more often. (Also, see snapCount).
#preAllocSize=65536
# Clients can submit requests faster than ZooKeeper can process them,
# especially if there are a lot of clients. To prevent ZooKeeper from running
# out of memory due to queued requests, ZooKeeper will throttle clients so that
# there is no more than globalOutstandingLimit outstanding requests in the
# system. The default limit is 1,000.ZooKeeper logs transactions to a
# transaction log. After snapCount transactions are written to a log file a
# snapshot is started and a new transaction log file is started. The default
# snapCount is 10,000.
#snapCount=1000

# If this option is defined, requests will be will logged to a trace file named
# traceFile.year.month.day.
#traceFile=

# Leader accepts client connections. Default value is "yes". The leader machine
# coordinates updates. For higher update throughput at thes slight expense of
# read throughput the leader can be configured to not accept clients and focus
# on coordination.
#leaderServes=yes

# The number of snapshots to retain in dataDir
#autopurge.snapRetainCount=3
# Purge task interval in hours
# Set to "0" to disable auto purge feature
#autopurge.purgeInterval=1

## Metrics Providers
#
# https://prometheus.io Metrics Exporter
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true
)";

TEST(ZooCfg, DebianPackageFile) {
  auto r = ParseZooCfg(kDebianZooCfg, "/etc/zookeeper/conf/zoo.cfg");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ZooCfg& c = *r;
  EXPECT_EQ(c.props.size(), 8u);
  EXPECT_EQ(c.props.at("tickTime"), "2000");
  EXPECT_EQ(c.props.at("syncLimit"), "5");
  EXPECT_EQ(c.data_dir, "/var/lib/zookeeper");
  EXPECT_EQ(c.data_log_dir, "/var/lib/zookeeper");
  EXPECT_EQ(c.lines.at("dataDir"), 12);
  EXPECT_EQ(c.client_port, 2181);
  ASSERT_EQ(c.servers.size(), 3u);
  EXPECT_EQ(c.servers[2].host, "zookeeper3");
  EXPECT_EQ(c.servers[2].line, 24);
  EXPECT_EQ(c.snap_count, 100000);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.ClientEndpoint(2), "127.0.0.1:2181");
}

class ZooCfgDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zkm-zoocfg-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << text;
  }
  std::string dir_;
};

TEST_F(ZooCfgDiskTest, LoadsFileAndRelativeDynamicFile) {
  Write("zoo.cfg", "dataDir=/var/lib/zookeeper\ndynamicConfigFile=zoo.cfg.dynamic\n");
  Write("zoo.cfg.dynamic", "server.1=127.0.0.1:2888:3888;2181\n");
  auto r = LoadZooCfg(dir_ + "/zoo.cfg");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->path, dir_ + "/zoo.cfg");
  ASSERT_EQ(r->servers.size(), 1u);
  EXPECT_EQ(r->servers[0].source, dir_ + "/zoo.cfg.dynamic");
  EXPECT_EQ(r->ClientEndpoint(1), "127.0.0.1:2181");
}

TEST_F(ZooCfgDiskTest, MissingDynamicFileOnDiskIsNotFound) {
  Write("zoo.cfg", "dataDir=/var/lib/zookeeper\ndynamicConfigFile=" + dir_ + "/nope\n");
  auto r = LoadZooCfg(dir_ + "/zoo.cfg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), dir_ + "/zoo.cfg:2: cannot read dynamicConfigFile " + dir_ +
                                      "/nope (cannot open " + dir_ +
                                      "/nope: No such file or directory)");
}

TEST_F(ZooCfgDiskTest, MissingZooCfgIsNotFound) {
  auto r = LoadZooCfg(dir_ + "/zoo.cfg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), "cannot open " + dir_ + "/zoo.cfg: No such file or directory");
}

}  // namespace
}  // namespace zkm
