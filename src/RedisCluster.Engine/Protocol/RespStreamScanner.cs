using System;
using System.Globalization;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// Walks a RESP stream one element at a time across reads, for code that passes bytes on instead of building
    /// values (the tunnel's byte relay): header numbers are read and checked against the limits, bulk payloads are
    /// passed over as they arrive without ever being held whole, and a frame ends where its counted elements end.
    /// It counts elements instead of recursing: a server may nest a reply as deep as it likes (a Lua table that
    /// holds itself comes back thousands of levels deep) and a relay must still find its end. A value type of a
    /// few counters, so a caller can look ahead on a copy and keep the copy only if it likes what it saw.
    /// </summary>
    internal struct RespStreamScanner
    {
        // A sign and the 19 digits of a long, with room to spare: anything longer is not a header.
        private const int MaxHeaderLine = 24;

        private readonly RespLimits _limits;
        private readonly RespStreamKind _kind;

        // Values still to come in the frame being walked (0 between frames), the payload bytes still to pass,
        // and how much of the CRLF after the payload (2 while a payload is open).
        private long _left;
        private long _payloadLeft;
        private int _crlfLeft;

        public RespStreamScanner(RespLimits limits, RespStreamKind kind)
        {
            _limits = limits;
            _kind = kind;
            _left = 0;
            _payloadLeft = 0;
            _crlfLeft = 0;
        }

        /// <summary>True from a frame's first byte until its last element has passed.</summary>
        public readonly bool InFrame => _left > 0;

        /// <summary>True while a bulk payload (or the CRLF after it) is being passed.</summary>
        public readonly bool InPayload => _crlfLeft > 0;

        /// <summary>
        /// Passes the next piece of the stream: as much of an open payload as is there, or one element. The reader
        /// only ever moves over whole pieces, so its position after any step is a place to cut the stream.
        /// </summary>
        /// <exception cref="RespProtocolException">The stream is not RESP of this kind, or exceeds the limits.</exception>
        public RespScanStep Next(ref RespBufferReader reader, out RespElement element)
        {
            element = default;
            if (_crlfLeft > 0)
            {
                return PassPayload(ref reader);
            }

            long start = reader.Consumed;
            RespBufferReader probe = reader;
            if (!probe.TryRead(out byte marker))
            {
                return RespScanStep.NeedMore;
            }

            bool frameStart = _left == 0;
            RespType type = TypeOf(marker, frameStart, start);
            long number = 0;
            int lineLength = 0;
            switch (type)
            {
                case RespType.BulkString:
                case RespType.BulkError:
                case RespType.VerbatimString:
                case RespType.Array:
                case RespType.Set:
                case RespType.Map:
                case RespType.Push:
                case RespType.Attribute:
                    if (!TryReadHeader(ref probe, type, start, out number))
                    {
                        return RespScanStep.NeedMore;
                    }

                    break;
                default:
                    lineLength = probe.TrySkipLine(_limits.MaxLineLength, 0);
                    if (lineLength == -2)
                    {
                        throw new RespProtocolException("line longer than " + _limits.MaxLineLength.ToString(CultureInfo.InvariantCulture) + " bytes", start);
                    }

                    if (lineLength < 0)
                    {
                        return RespScanStep.NeedMore;
                    }

                    break;
            }

            reader = probe;
            element = new RespElement(type, number, start, lineLength, frameStart);
            if (frameStart)
            {
                _left = 1;
            }

            if (IsBulk(type) && number >= 0)
            {
                // The element is done when its payload has passed.
                _payloadLeft = number;
                _crlfLeft = 2;
                return RespScanStep.Element;
            }

            _left += Opened(type, number) - 1;
            return RespScanStep.Element;
        }

        /// <summary>
        /// Right after a bulk header: copies the whole payload into <paramref name="destination"/> and passes it and
        /// its CRLF, when all of it is there and it fits. Returns its length, -1 when it has not all arrived yet,
        /// -2 when it is longer than <paramref name="destination"/>; in both cases nothing is passed.
        /// </summary>
        public int TryCopyPayload(ref RespBufferReader reader, scoped Span<byte> destination)
        {
            if (_crlfLeft != 2)
            {
                throw new InvalidOperationException("No bulk payload starts here.");
            }

            if (_payloadLeft > destination.Length)
            {
                return -2;
            }

            RespBufferReader probe = reader;
            int length = (int)_payloadLeft;
            if (!probe.TryCopy(destination.Slice(0, length)) || !probe.TryRead(out byte cr) || !probe.TryRead(out byte lf))
            {
                return -1;
            }

            if (cr != (byte)'\r' || lf != (byte)'\n')
            {
                throw new RespProtocolException("bulk payload not terminated by CRLF", probe.Consumed - 2);
            }

            reader = probe;
            _payloadLeft = 0;
            _crlfLeft = 0;
            _left--;
            return length;
        }

        private RespScanStep PassPayload(ref RespBufferReader reader)
        {
            if (_payloadLeft > 0)
            {
                long before = reader.Consumed;
                reader.TryAdvance(_payloadLeft);
                _payloadLeft -= reader.Consumed - before;
                if (_payloadLeft > 0)
                {
                    return RespScanStep.NeedMore;
                }
            }

            while (_crlfLeft > 0)
            {
                if (!reader.TryRead(out byte b))
                {
                    return RespScanStep.NeedMore;
                }

                if (b != (_crlfLeft == 2 ? (byte)'\r' : (byte)'\n'))
                {
                    throw new RespProtocolException("bulk payload not terminated by CRLF", reader.Consumed - 1, _kind == RespStreamKind.Commands ? "invalid bulk length" : null);
                }

                _crlfLeft--;
            }

            _left--;
            return RespScanStep.PayloadEnd;
        }

        private readonly RespType TypeOf(byte marker, bool frameStart, long offset)
        {
            if (_kind == RespStreamKind.Commands)
            {
                byte expected = frameStart ? (byte)'*' : (byte)'$';
                if (marker != expected)
                {
                    string fault = "expected '" + (char)expected + "', got " + Shown(marker);
                    throw new RespProtocolException(fault, offset, fault);
                }

                return frameStart ? RespType.Array : RespType.BulkString;
            }

            switch (marker)
            {
                case (byte)'+': return RespType.SimpleString;
                case (byte)'-': return RespType.Error;
                case (byte)':': return RespType.Integer;
                case (byte)'$': return RespType.BulkString;
                case (byte)'*': return RespType.Array;
                case (byte)'_': return RespType.Null;
                case (byte)'#': return RespType.Boolean;
                case (byte)',': return RespType.Double;
                case (byte)'(': return RespType.BigNumber;
                case (byte)'!': return RespType.BulkError;
                case (byte)'=': return RespType.VerbatimString;
                case (byte)'%': return RespType.Map;
                case (byte)'~': return RespType.Set;
                case (byte)'|': return RespType.Attribute;
                case (byte)'>': return RespType.Push;
                default:
                    throw new RespProtocolException("unexpected byte " + Shown(marker) + " where a RESP type marker was expected", offset);
            }
        }

        /// <summary>Reads an aggregate's count or a bulk's length, checked against the limits; false when the line is not all here.</summary>
        private readonly bool TryReadHeader(ref RespBufferReader reader, RespType type, long offset, out long number)
        {
            bool bulk = IsBulk(type);
            string reason = bulk ? "invalid bulk length" : "invalid multibulk length";
            Span<byte> line = stackalloc byte[MaxHeaderLine];
            int length = reader.TryReadLine(line, 0);
            if (length == -1)
            {
                number = 0;
                return false;
            }

            if (length == -2 || !CommandReader.TryParseStrict(line.Slice(0, length), out number))
            {
                throw new RespProtocolException("invalid number in a RESP header", offset, reason);
            }

            // RESP2's nulls; a command has none, and Redis ignores a negative count as it ignores *0.
            bool nullable = type == RespType.Array || (type == RespType.BulkString && _kind == RespStreamKind.Replies);
            if (number == -1 && nullable)
            {
                return true;
            }

            if (number < 0 && !(type == RespType.Array && _kind == RespStreamKind.Commands))
            {
                throw new RespProtocolException(bulk ? "invalid bulk length" : "invalid aggregate length", offset, reason);
            }

            if (bulk ? number > _limits.MaxBulkLength : number > _limits.MaxAggregateLength)
            {
                throw new RespProtocolException((bulk ? "bulk length " : "aggregate length ") + number.ToString(CultureInfo.InvariantCulture) + " over the limit", offset, reason);
            }

            return true;
        }

        private static bool IsBulk(RespType type) => type == RespType.BulkString || type == RespType.BulkError || type == RespType.VerbatimString;

        /// <summary>How many values an element's header announces; an attribute also annotates the value after it.</summary>
        private static long Opened(RespType type, long number)
        {
            if (number <= 0)
            {
                return type == RespType.Attribute ? 1 : 0;
            }

            switch (type)
            {
                case RespType.Array:
                case RespType.Set:
                case RespType.Push:
                    return number;
                case RespType.Map:
                    return number * 2;
                case RespType.Attribute:
                    return (number * 2) + 1;
                default:
                    return 0;
            }
        }

        private static string Shown(byte b)
            => b >= 0x20 && b < 0x7f ? "'" + (char)b + "'" : "'\\x" + b.ToString("x2", CultureInfo.InvariantCulture) + "'";
    }
}
