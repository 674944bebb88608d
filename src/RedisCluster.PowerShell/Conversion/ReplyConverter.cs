using System.Collections.Specialized;
using System.Globalization;
using System.Numerics;
using RedisCluster.Engine.Protocol;
using RedisCluster.PowerShell.Output;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>Maps RESP values to the natural PowerShell values.</summary>
    internal static class ReplyConverter
    {
        public static object? ToObject(RespValue value, bool asBytes)
        {
            if (value.IsNull)
            {
                return null;
            }

            switch (value.Type)
            {
                case RespType.SimpleString:
                case RespType.BulkString:
                case RespType.VerbatimString:
                    return asBytes ? (object?)value.GetBytes() : value.GetString();
                case RespType.Error:
                case RespType.BulkError:
                    return new RedisErrorReply(value.GetString() ?? string.Empty);
                case RespType.Integer:
                    return value.Integer;
                case RespType.Double:
                    return value.Double;
                case RespType.Boolean:
                    return value.Boolean;
                case RespType.BigNumber:
                    return BigInteger.Parse(value.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                case RespType.Map:
                case RespType.Attribute:
                {
                    var map = new OrderedDictionary();
                    var items = value.Items;
                    for (int i = 0; i + 1 < items.Count; i += 2)
                    {
                        object key = ToObject(items[i], false) ?? string.Empty;
                        map[key] = ToObject(items[i + 1], asBytes);
                    }

                    return map;
                }

                default:
                {
                    var items = value.Items;
                    var result = new object?[items.Count];
                    for (int i = 0; i < result.Length; i++)
                    {
                        result[i] = ToObject(items[i], asBytes);
                    }

                    return result;
                }
            }
        }
    }
}
