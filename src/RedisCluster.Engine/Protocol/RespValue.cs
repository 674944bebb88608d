using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace RedisCluster.Engine.Protocol
{
    /// <summary>
    /// One parsed RESP value. Immutable. Strings keep their raw bytes: Redis values are binary and
    /// only the caller knows whether to decode them as UTF-8.
    /// </summary>
    public sealed class RespValue
    {
        private static readonly RespValue[] NoItems = new RespValue[0];

        public static readonly RespValue Null = new RespValue(RespType.Null, null, 0, 0, null, null);
        public static readonly RespValue NullBulkString = new RespValue(RespType.BulkString, null, 0, 0, null, null);
        public static readonly RespValue NullArray = new RespValue(RespType.Array, null, 0, 0, null, null);
        public static readonly RespValue Ok = SimpleString("OK");
        public static readonly RespValue True = new RespValue(RespType.Boolean, null, 1, 0, null, null);
        public static readonly RespValue False = new RespValue(RespType.Boolean, null, 0, 0, null, null);

        private readonly byte[]? _bytes;
        private readonly long _integer;
        private readonly double _double;
        private readonly RespValue[]? _items;

        private RespValue(RespType type, byte[]? bytes, long integer, double dbl, RespValue[]? items, string? verbatimFormat)
        {
            Type = type;
            _bytes = bytes;
            _integer = integer;
            _double = dbl;
            _items = items;
            VerbatimFormat = verbatimFormat;
        }

        public RespType Type { get; }

        /// <summary>RESP3 attributes that preceded this value on the wire, if any.</summary>
        public RespValue? Attributes { get; private set; }

        /// <summary>
        /// On the error that stands for a reply no value could hold (nested deeper than the limit), the server's own
        /// bytes of that reply: a relay passes them on as they came. Null on every other value.
        /// </summary>
        public byte[]? ServerBytes { get; private set; }

        /// <summary>The error that stands for a reply no value could hold, carrying its bytes.</summary>
        public static RespValue Unrepresentable(string message, byte[] serverBytes)
        {
            RespValue error = Error(message);
            error.ServerBytes = serverBytes;
            return error;
        }

        /// <summary>The three-letter format of a verbatim string (for example "txt").</summary>
        public string? VerbatimFormat { get; }

        /// <summary>True for RESP3 null, a null bulk string ($-1) and a null array (*-1).</summary>
        public bool IsNull => Type == RespType.Null
            || (_bytes == null && (Type == RespType.BulkString || Type == RespType.BulkError || Type == RespType.VerbatimString))
            || (_items == null && IsAggregate);

        public bool IsError => Type == RespType.Error || Type == RespType.BulkError;

        public bool IsAggregate => Type == RespType.Array || Type == RespType.Map || Type == RespType.Set
            || Type == RespType.Push || Type == RespType.Attribute;

        public bool IsStringLike => Type == RespType.SimpleString || Type == RespType.BulkString || Type == RespType.Error
            || Type == RespType.BulkError || Type == RespType.VerbatimString || Type == RespType.BigNumber;

        /// <summary>Elements of an aggregate; a map or attribute lists keys and values alternately.</summary>
        public IReadOnlyList<RespValue> Items => _items ?? NoItems;

        public long Integer
        {
            get
            {
                if (Type == RespType.Integer || Type == RespType.Boolean)
                {
                    return _integer;
                }

                if (IsStringLike && _bytes != null
                    && long.TryParse(Encoding.UTF8.GetString(_bytes), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed))
                {
                    return parsed;
                }

                throw new InvalidCastException("A " + Type + " reply is not an integer.");
            }
        }

        public double Double => Type == RespType.Double ? _double : Type == RespType.Integer ? _integer
            : double.Parse(GetString() ?? throw new InvalidCastException("A null reply is not a number."), NumberStyles.Float, CultureInfo.InvariantCulture);

        public bool Boolean => Type == RespType.Boolean ? _integer != 0 : Integer != 0;

        /// <summary>Raw bytes of a string-like value; null for nulls and non-strings.</summary>
        public byte[]? GetBytes() => _bytes;

        /// <summary>The value as text: strings decoded as UTF-8, numbers in invariant culture, null for nulls and aggregates.</summary>
        public string? GetString()
        {
            switch (Type)
            {
                case RespType.Integer:
                    return _integer.ToString(CultureInfo.InvariantCulture);
                case RespType.Double:
                    return FormatDouble(_double);
                case RespType.Boolean:
                    return _integer != 0 ? "true" : "false";
                default:
                    return _bytes == null ? null : Encoding.UTF8.GetString(_bytes);
            }
        }

        /// <summary>For an error, the first word of the message (ERR, WRONGTYPE, MOVED...).</summary>
        public string? ErrorPrefix
        {
            get
            {
                if (!IsError || _bytes == null)
                {
                    return null;
                }

                int space = System.Array.IndexOf(_bytes, (byte)' ');
                return Encoding.UTF8.GetString(_bytes, 0, space < 0 ? _bytes.Length : space);
            }
        }

        public static RespValue SimpleString(string value) => new RespValue(RespType.SimpleString, Encoding.UTF8.GetBytes(value), 0, 0, null, null);

        public static RespValue Error(string message) => new RespValue(RespType.Error, Encoding.UTF8.GetBytes(message), 0, 0, null, null);

        public static RespValue BulkString(byte[]? value) => value == null ? NullBulkString : new RespValue(RespType.BulkString, value, 0, 0, null, null);

        public static RespValue BulkString(string? value) => value == null ? NullBulkString : BulkString(Encoding.UTF8.GetBytes(value));

        public static RespValue FromInteger(long value) => new RespValue(RespType.Integer, null, value, 0, null, null);

        public static RespValue FromDouble(double value) => new RespValue(RespType.Double, null, 0, value, null, null);

        public static RespValue FromBoolean(bool value) => value ? True : False;

        public static RespValue Array(params RespValue[] items) => new RespValue(RespType.Array, null, 0, 0, items, null);

        /// <summary>Builds a value of any type; used by the reader.</summary>
        public static RespValue Create(RespType type, byte[]? bytes, long integer = 0, double dbl = 0, RespValue[]? items = null, string? verbatimFormat = null)
            => new RespValue(type, bytes, integer, dbl, items, verbatimFormat);

        public static RespValue Map(IEnumerable<KeyValuePair<RespValue, RespValue>> pairs)
        {
            var flat = new List<RespValue>();
            foreach (var pair in pairs)
            {
                flat.Add(pair.Key);
                flat.Add(pair.Value);
            }

            return new RespValue(RespType.Map, null, 0, 0, flat.ToArray(), null);
        }

        internal RespValue WithAttributes(RespValue attributes)
        {
            var copy = new RespValue(Type, _bytes, _integer, _double, _items, VerbatimFormat) { Attributes = attributes };
            return copy;
        }

        /// <summary>Reads a map (or a RESP2 flat key/value array) into pairs keyed by the key's text.</summary>
        public IEnumerable<KeyValuePair<string, RespValue>> AsPairs()
        {
            var items = Items;
            for (int i = 0; i + 1 < items.Count; i += 2)
            {
                yield return new KeyValuePair<string, RespValue>(items[i].GetString() ?? string.Empty, items[i + 1]);
            }
        }

        public override string ToString()
        {
            if (IsNull)
            {
                return "(nil)";
            }

            if (IsAggregate)
            {
                return Type + "[" + Items.Count + "]";
            }

            return IsError ? "(error) " + GetString() : GetString() ?? string.Empty;
        }

        internal static string FormatDouble(double value)
        {
            if (double.IsPositiveInfinity(value))
            {
                return "inf";
            }

            if (double.IsNegativeInfinity(value))
            {
                return "-inf";
            }

            if (double.IsNaN(value))
            {
                return "nan";
            }

            return value.ToString("R", CultureInfo.InvariantCulture);
        }
    }
}
