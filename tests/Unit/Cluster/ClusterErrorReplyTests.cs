using System.Net.Sockets;
using System.Text;
using RedisCluster.Engine.Cluster;
using RedisCluster.Engine.Protocol;
using RedisCluster.Tests.Infrastructure;
using Xunit;

namespace RedisCluster.Tests.Cluster
{
    /// <summary>
    /// ClusterErrorReply: the classifier's kind plus the parsed redirect, for replies made up here and for the MOVED
    /// a real cluster node sends for a key it does not own (read as raw bytes and as a parsed value).
    /// </summary>
    [Collection(ClusterCollection.Name)]
    public class ClusterErrorReplyTests
    {
        private readonly ClusterFixture _fixture;

        public ClusterErrorReplyTests(ClusterFixture fixture) => _fixture = fixture;

        [Fact]
        public void MovedAndAskCarryTheirRedirect()
        {
            ClusterErrorReply moved = ClusterErrorReply.Of(RespValue.Error("MOVED 3999 10.0.0.2:6381"));
            Assert.Equal(ErrorReplyKind.Moved, moved.Kind);
            Assert.Equal(RedirectKind.Moved, moved.Redirect!.Kind);
            Assert.Equal(3999, moved.Redirect.Slot);
            Assert.Equal("10.0.0.2", moved.Redirect.Host);
            Assert.Equal(6381, moved.Redirect.Port);

            ClusterErrorReply ask = ClusterErrorReply.Of(RespValue.Error("ASK 12 ::1:7000"));
            Assert.Equal(ErrorReplyKind.Ask, ask.Kind);
            Assert.Equal("::1", ask.Redirect!.Host);
            Assert.Equal(7000, ask.Redirect.Port);
        }

        [Fact]
        public void AMalformedRedirectKeepsItsKindWithoutATarget()
        {
            ClusterErrorReply reply = ClusterErrorReply.Of(RespValue.Error("MOVED 99999 h:1"));
            Assert.Equal(ErrorReplyKind.Moved, reply.Kind);
            Assert.Null(reply.Redirect);
        }

        [Fact]
        public void OtherErrorsAndValuesHaveNoRedirect()
        {
            Assert.Equal(ErrorReplyKind.TryAgain, ClusterErrorReply.Of(RespValue.Error("TRYAGAIN Multiple keys request during rehashing of slot")).Kind);
            Assert.Null(ClusterErrorReply.Of(RespValue.Error("CLUSTERDOWN Hash slot not served")).Redirect);
            Assert.Equal(ErrorReplyKind.None, ClusterErrorReply.Of(RespValue.SimpleString("MOVED 1 h:1")).Kind);
            Assert.Equal(ErrorReplyKind.None, ClusterErrorReply.Of(null).Kind);
        }

        [Fact]
        public void ARealNodesMovedIsClassifiedFromBytesAndFromTheValue()
        {
            const string key = "classifier-key";
            int slot = HashSlot.GetSlot(key);
            RedisServer? other = null;
            foreach (RedisServer master in _fixture.Cluster.Masters())
            {
                if (!OwnsSlot(master.Cli("CLUSTER", "NODES"), slot))
                {
                    other = master;
                    break;
                }
            }

            Assert.NotNull(other);
            byte[] frame = SendRaw(other!.Port, "*2\r\n$3\r\nGET\r\n$" + key.Length + "\r\n" + key + "\r\n");
            Assert.Equal(ErrorReplyKind.Moved, ErrorReplyClassifier.ClassifyFrame(new System.Buffers.ReadOnlySequence<byte>(frame)));
            Assert.True(RespReader.TryRead(new System.Buffers.ReadOnlySequence<byte>(frame), RespLimits.Default, out RespValue value, out _));
            ClusterErrorReply classified = ClusterErrorReply.Of(value);
            Assert.Equal(ErrorReplyKind.Moved, classified.Kind);
            Assert.Equal(slot, classified.Redirect!.Slot);
            Assert.NotEqual(other.Port, classified.Redirect.Port);
        }

        private static bool OwnsSlot(string clusterNodes, int slot)
        {
            foreach (string line in clusterNodes.Split('\n'))
            {
                string[] fields = line.Trim().Split(' ');
                if (fields.Length < 9 || !fields[2].Contains("myself"))
                {
                    continue;
                }

                for (int i = 8; i < fields.Length; i++)
                {
                    string[] range = fields[i].Split('-');
                    if (range[0].StartsWith("[") || !int.TryParse(range[0], out int start))
                    {
                        continue;
                    }

                    int end = range.Length > 1 && int.TryParse(range[1], out int e) ? e : start;
                    if (slot >= start && slot <= end)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private static byte[] SendRaw(int port, string command)
        {
            using var socket = new TcpClient("127.0.0.1", port);
            socket.ReceiveTimeout = 30000;
            NetworkStream stream = socket.GetStream();
            byte[] request = Encoding.ASCII.GetBytes(command);
            stream.Write(request, 0, request.Length);
            var received = new System.IO.MemoryStream();
            var buffer = new byte[512];
            while (received.Length < 2 || received.GetBuffer()[received.Length - 1] != (byte)'\n')
            {
                int read = stream.Read(buffer, 0, buffer.Length);
                Assert.True(read > 0, "the node closed the connection before it answered");
                received.Write(buffer, 0, read);
            }

            return received.ToArray();
        }
    }
}
