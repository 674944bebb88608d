using System;
using System.Buffers;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// The one place that reads an error reply's first word (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING, BUSY...), from a
    /// parsed value, from the text, or from the raw bytes of a reply frame that was relayed without being parsed.
    /// Words are case-sensitive, as the server sends them, and must be whole: "ASKING" is not "ASK".
    /// </summary>
    public static class ErrorReplyClassifier
    {
        // Longer than every word below plus its space, so a stack copy of a frame's start always holds the whole word.
        private const int LongestWord = 16;

        private static readonly (byte[] Word, ErrorReplyKind Kind)[] Words =
        {
            (Ascii("ERR"), ErrorReplyKind.Err),
            (Ascii("MOVED"), ErrorReplyKind.Moved),
            (Ascii("ASK"), ErrorReplyKind.Ask),
            (Ascii("TRYAGAIN"), ErrorReplyKind.TryAgain),
            (Ascii("CLUSTERDOWN"), ErrorReplyKind.ClusterDown),
            (Ascii("MASTERDOWN"), ErrorReplyKind.MasterDown),
            (Ascii("LOADING"), ErrorReplyKind.Loading),
            (Ascii("BUSY"), ErrorReplyKind.Busy),
            (Ascii("NOTBUSY"), ErrorReplyKind.NotBusy),
            (Ascii("UNKILLABLE"), ErrorReplyKind.Unkillable),
            (Ascii("BUSYKEY"), ErrorReplyKind.BusyKey),
            (Ascii("NOSCRIPT"), ErrorReplyKind.NoScript),
            (Ascii("EXECABORT"), ErrorReplyKind.ExecAbort),
            (Ascii("READONLY"), ErrorReplyKind.ReadOnly),
            (Ascii("CROSSSLOT"), ErrorReplyKind.CrossSlot),
            (Ascii("WRONGTYPE"), ErrorReplyKind.WrongType),
            (Ascii("NOAUTH"), ErrorReplyKind.NoAuth),
            (Ascii("NOPERM"), ErrorReplyKind.NoPerm),
            (Ascii("WRONGPASS"), ErrorReplyKind.WrongPass),
            (Ascii("NOPROTO"), ErrorReplyKind.NoProto),
            (Ascii("OOM"), ErrorReplyKind.OutOfMemory),
        };

        /// <summary>The kind of a parsed reply; <see cref="ErrorReplyKind.None"/> when it is not an error.</summary>
        public static ErrorReplyKind Classify(RespValue? reply)
            => reply == null || !reply.IsError ? ErrorReplyKind.None : Classify(reply.GetBytes().AsSpan());

        /// <summary>The kind of an error's text ("MOVED 3999 127.0.0.1:6381") or of its first word alone ("MOVED").</summary>
        public static ErrorReplyKind ClassifyText(string? message)
        {
            if (message == null)
            {
                return ErrorReplyKind.None;
            }

            Span<byte> start = stackalloc byte[LongestWord];
            int length = Math.Min(message.Length, LongestWord);
            for (int i = 0; i < length; i++)
            {
                char c = message[i];
                start[i] = c < 128 ? (byte)c : (byte)'?';
            }

            return Classify(start.Slice(0, length));
        }

        /// <summary>The kind of an error's text as bytes (without the leading '-').</summary>
        public static ErrorReplyKind Classify(ReadOnlySpan<byte> message)
        {
            int end = 0;
            while (end < message.Length && message[end] != (byte)' ' && message[end] != (byte)'\r' && message[end] != (byte)'\n')
            {
                end++;
            }

            ReadOnlySpan<byte> word = message.Slice(0, end);
            foreach ((byte[] known, ErrorReplyKind kind) in Words)
            {
                if (word.SequenceEqual(known))
                {
                    return kind;
                }
            }

            return ErrorReplyKind.Other;
        }

        /// <summary>
        /// The kind of one whole reply frame as it came over the wire ("-MOVED 3999 host:port\r\n..."), without parsing
        /// it; <see cref="ErrorReplyKind.None"/> unless it is a simple error ('-'), the form every redirect takes.
        /// </summary>
        public static ErrorReplyKind ClassifyFrame(ReadOnlySequence<byte> frame)
        {
            if (frame.Length < 2 || RespReader.FirstByte(frame) != (byte)'-')
            {
                return ErrorReplyKind.None;
            }

            Span<byte> start = stackalloc byte[LongestWord];
            int length = (int)Math.Min(LongestWord, frame.Length - 1);
            frame.Slice(1, length).CopyTo(start);
            return Classify(start.Slice(0, length));
        }

        /// <summary>MOVED or ASK: the reply names the node to go to.</summary>
        public static bool IsRedirect(this ErrorReplyKind kind) => kind == ErrorReplyKind.Moved || kind == ErrorReplyKind.Ask;

        /// <summary>MOVED, ASK or TRYAGAIN: the slot is (or was) moving between nodes.</summary>
        public static bool IsSlotMoving(this ErrorReplyKind kind) => kind.IsRedirect() || kind == ErrorReplyKind.TryAgain;

        /// <summary>
        /// The errors after which a cluster router sends the command again (elsewhere, or later): the slot moving, the
        /// cluster or a primary down, the node loading. The server refused the command, so it did not run.
        /// </summary>
        public static bool IsRetriedByRouter(this ErrorReplyKind kind)
            => kind.IsSlotMoving() || kind == ErrorReplyKind.ClusterDown || kind == ErrorReplyKind.MasterDown || kind == ErrorReplyKind.Loading;

        private static byte[] Ascii(string word) => Encoding.ASCII.GetBytes(word);
    }
}
