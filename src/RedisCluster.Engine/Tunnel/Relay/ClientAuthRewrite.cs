using System;
using System.Buffers;
using System.Collections.Generic;
using RedisCluster.Engine.Protocol;
using RedisCluster.Engine.Tunnel.Hosting;

namespace RedisCluster.Engine.Tunnel.Relay
{
    /// <summary>
    /// What the server gets in place of a client's AUTH or HELLO: the tunnel's own AUTH, HELLO without its AUTH
    /// option, or nothing when the tunnel answers itself (its own password checked by the gate).
    /// </summary>
    internal static class ClientAuthRewrite
    {
        private static readonly byte[] Ok = { (byte)'+', (byte)'O', (byte)'K', (byte)'\r', (byte)'\n' };

        /// <summary>
        /// Writes the command to send for <paramref name="args"/> (an AUTH or HELLO) and returns its length; 0 with
        /// <paramref name="localReply"/> set when the tunnel answers instead.
        /// </summary>
        /// <param name="authCommand">Builds the tunnel's AUTH; null when the client authenticates itself.</param>
        public static long Write(byte[][] args, TunnelClientGate? gate, Func<byte[]>? authCommand, IBufferWriter<byte> output, out byte[]? localReply)
        {
            localReply = null;
            bool isAuth = ClientCommandClassifier.Is(args[0], "AUTH");
            if (gate?.RequiresPassword == true)
            {
                string? refusal = gate.CheckAuthentication(isAuth ? "AUTH" : "HELLO", args);
                if (refusal != null || (isAuth && authCommand == null))
                {
                    // Wrong password, or a right one for a tunnel whose server needs none: the tunnel answers.
                    localReply = refusal == null ? (byte[])Ok.Clone() : ErrorReply(refusal);
                    return 0;
                }
            }

            if (authCommand != null && isAuth && (args.Length == 2 || args.Length == 3))
            {
                // The reply must come from the server, in pipeline order, and must leave the session
                // authenticated as the tunnel's user: so the server gets the tunnel's own AUTH. A malformed
                // AUTH passes unchanged and gets the server's syntax error.
                byte[] auth = authCommand();
                output.Write(auth);
                Array.Clear(auth, 0, auth.Length);
                return auth.Length;
            }

            // HELLO [protover [AUTH user pass] [SETNAME name]]: the protocol switch and the name still reach
            // the server, the client's credential does not.
            var kept = new List<ReadOnlyMemory<byte>>(args.Length);
            for (int i = 0; i < args.Length; i++)
            {
                if (!isAuth && i > 0 && ClientCommandClassifier.Is(args[i], "AUTH") && i + 2 < args.Length)
                {
                    i += 2;
                    continue;
                }

                kept.Add(args[i]);
            }

            return WriteCommand(kept, output);
        }

        /// <summary>Writes a command as a RESP array of bulk strings; returns its length.</summary>
        public static long WriteCommand(IReadOnlyList<ReadOnlyMemory<byte>> args, IBufferWriter<byte> output)
        {
            var buffer = new GrowableBuffer(64);
            RespWriter.WriteCommand(buffer, args);
            output.Write(buffer.WrittenSpan);
            int length = buffer.WrittenCount;
            buffer.Clear();
            return length;
        }

        public static byte[] ErrorReply(string message) => System.Text.Encoding.UTF8.GetBytes("-" + message + "\r\n");
    }
}
