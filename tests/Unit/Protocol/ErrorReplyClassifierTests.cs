using System.Buffers;
using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// ErrorReplyClassifier: the one reader of an error reply's first word. The same reply must get the same kind
    /// whether it is a parsed value, its text, or the raw frame bytes however they are segmented.
    /// </summary>
    public class ErrorReplyClassifierTests
    {
        public static TheoryData<string, ErrorReplyKind> Replies => new TheoryData<string, ErrorReplyKind>
        {
            { "MOVED 3999 127.0.0.1:6381", ErrorReplyKind.Moved },
            { "ASK 3999 127.0.0.1:6381", ErrorReplyKind.Ask },
            { "TRYAGAIN Multiple keys request during rehashing of slot", ErrorReplyKind.TryAgain },
            { "CLUSTERDOWN Hash slot not served", ErrorReplyKind.ClusterDown },
            { "CLUSTERDOWN The cluster is down", ErrorReplyKind.ClusterDown },
            { "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", ErrorReplyKind.MasterDown },
            { "LOADING Redis is loading the dataset in memory", ErrorReplyKind.Loading },
            { "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", ErrorReplyKind.Busy },
            { "NOTBUSY No scripts in execution right now.", ErrorReplyKind.NotBusy },
            { "UNKILLABLE Sorry the script already executed write commands", ErrorReplyKind.Unkillable },
            { "BUSYKEY Target key name already exists.", ErrorReplyKind.BusyKey },
            { "NOSCRIPT No matching script. Please use EVAL.", ErrorReplyKind.NoScript },
            { "EXECABORT Transaction discarded because of previous errors.", ErrorReplyKind.ExecAbort },
            { "READONLY You can't write against a read only replica.", ErrorReplyKind.ReadOnly },
            { "CROSSSLOT Keys in request don't hash to the same slot", ErrorReplyKind.CrossSlot },
            { "WRONGTYPE Operation against a key holding the wrong kind of value", ErrorReplyKind.WrongType },
            { "NOAUTH Authentication required.", ErrorReplyKind.NoAuth },
            { "NOPERM User alice has no permissions to run the 'flushall' command", ErrorReplyKind.NoPerm },
            { "WRONGPASS invalid username-password pair or user is disabled.", ErrorReplyKind.WrongPass },
            { "NOPROTO unsupported protocol version", ErrorReplyKind.NoProto },
            { "OOM command not allowed when used memory > 'maxmemory'.", ErrorReplyKind.OutOfMemory },
            { "ERR unknown command 'FOO'", ErrorReplyKind.Err },
            { "MOVED", ErrorReplyKind.Moved },
            { "LOADING", ErrorReplyKind.Loading },
            { "ASKING is not an error word", ErrorReplyKind.Other },
            { "MOVEDX 1 h:1", ErrorReplyKind.Other },
            { "moved 3999 127.0.0.1:6381", ErrorReplyKind.Other },
            { "CLUSTERDOWNNOW whatever", ErrorReplyKind.Other },
            { "", ErrorReplyKind.Other },
            { "Ü LOADING", ErrorReplyKind.Other },
        };

        [Theory]
        [MemberData(nameof(Replies))]
        public void ValueTextAndFrameAgree(string message, ErrorReplyKind expected)
        {
            Assert.Equal(expected, ErrorReplyClassifier.Classify(RespValue.Error(message)));
            Assert.Equal(expected, ErrorReplyClassifier.ClassifyText(message));
            Assert.Equal(expected, ErrorReplyClassifier.Classify(Encoding.UTF8.GetBytes(message)));

            byte[] frame = Encoding.UTF8.GetBytes("-" + message + "\r\n+next\r\n");
            Assert.Equal(expected, ErrorReplyClassifier.ClassifyFrame(Sequences.Single(frame)));
            Assert.Equal(expected, ErrorReplyClassifier.ClassifyFrame(Sequences.OneBytePieces(frame)));
            for (int at = 1; at < frame.Length; at++)
            {
                Assert.Equal(expected, ErrorReplyClassifier.ClassifyFrame(Sequences.SplitAt(frame, at)));
            }
        }

        [Fact]
        public void RepliesThatAreNotErrorsAreNone()
        {
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.Classify((RespValue?)null));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.Classify(RespValue.SimpleString("MOVED 1 h:1")));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.Classify(RespValue.BulkString("LOADING")));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.ClassifyText(null));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.ClassifyFrame(Sequences.Single(Encoding.ASCII.GetBytes("+MOVED 1 h:1\r\n"))));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.ClassifyFrame(Sequences.Single(Encoding.ASCII.GetBytes("$5\r\nMOVED\r\n"))));
            Assert.Equal(ErrorReplyKind.None, ErrorReplyClassifier.ClassifyFrame(ReadOnlySequence<byte>.Empty));
        }

        [Fact]
        public void AParsedBulkErrorIsClassifiedByItsWord()
        {
            byte[] wire = Encoding.ASCII.GetBytes("!21\r\nLOADING still loading\r\n");
            Assert.True(RespReader.TryRead(Sequences.Single(wire), RespLimits.Default, out RespValue value, out _));
            Assert.Equal(ErrorReplyKind.Loading, ErrorReplyClassifier.Classify(value));
        }

        [Theory]
        [InlineData(ErrorReplyKind.Moved, true, true, true)]
        [InlineData(ErrorReplyKind.Ask, true, true, true)]
        [InlineData(ErrorReplyKind.TryAgain, false, true, true)]
        [InlineData(ErrorReplyKind.ClusterDown, false, false, true)]
        [InlineData(ErrorReplyKind.MasterDown, false, false, true)]
        [InlineData(ErrorReplyKind.Loading, false, false, true)]
        [InlineData(ErrorReplyKind.Busy, false, false, false)]
        [InlineData(ErrorReplyKind.CrossSlot, false, false, false)]
        [InlineData(ErrorReplyKind.Other, false, false, false)]
        [InlineData(ErrorReplyKind.None, false, false, false)]
        public void GroupsOfKinds(ErrorReplyKind kind, bool redirect, bool slotMoving, bool retriedByRouter)
        {
            Assert.Equal(redirect, kind.IsRedirect());
            Assert.Equal(slotMoving, kind.IsSlotMoving());
            Assert.Equal(retriedByRouter, kind.IsRetriedByRouter());
        }
    }
}
