using System.Globalization;
using System.Text;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.PowerShell.Conversion
{
    /// <summary>Renders replies the way redis-cli does in a terminal, so its users feel at home.</summary>
    internal static class CliReplyFormatter
    {
        public static string Format(RespValue value)
        {
            var text = new StringBuilder();
            Append(text, value, 0);
            return text.ToString();
        }

        private static void Append(StringBuilder text, RespValue value, int indent)
        {
            if (value.IsNull)
            {
                // redis-cli says (nil) for a RESP2 null array (*-1, a timed-out BLPOP) too: it is no empty array.
                text.Append("(nil)");
                return;
            }

            switch (value.Type)
            {
                case RespType.SimpleString:
                    text.Append(value.GetString());
                    return;
                case RespType.Error:
                case RespType.BulkError:
                    text.Append("(error) ").Append(value.GetString());
                    return;
                case RespType.Integer:
                    text.Append("(integer) ").Append(value.Integer.ToString(CultureInfo.InvariantCulture));
                    return;
                case RespType.Double:
                    text.Append("(double) ").Append(value.GetString());
                    return;
                case RespType.Boolean:
                    text.Append(value.Boolean ? "(true)" : "(false)");
                    return;
                case RespType.BigNumber:
                    text.Append("(big number) ").Append(value.GetString());
                    return;
                case RespType.VerbatimString:
                    text.Append(value.GetString());
                    return;
                case RespType.BulkString:
                    text.Append(Quote(value.GetBytes()!));
                    return;
            }

            var items = value.Items;
            bool map = value.Type == RespType.Map || value.Type == RespType.Attribute;
            int count = map ? items.Count / 2 : items.Count;
            if (count == 0)
            {
                text.Append(map ? "(empty hash)" : value.Type == RespType.Set ? "(empty set)" : "(empty array)");
                return;
            }

            int width = count.ToString(CultureInfo.InvariantCulture).Length;
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    text.Append('\n').Append(' ', indent);
                }

                string label = (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width) + (map ? "# " : value.Type == RespType.Set ? "~ " : ") ");
                text.Append(label);
                if (map)
                {
                    Append(text, items[2 * i], indent + label.Length);
                    text.Append(" => ");
                    Append(text, items[2 * i + 1], indent + label.Length + 4);
                }
                else
                {
                    Append(text, items[i], indent + label.Length);
                }
            }
        }

        /// <summary>Double-quoted with escapes, like redis-cli's sdscatrepr.</summary>
        private static string Quote(byte[] bytes)
        {
            var text = new StringBuilder("\"");
            foreach (byte b in bytes)
            {
                switch (b)
                {
                    case (byte)'\\':
                        text.Append("\\\\");
                        break;
                    case (byte)'"':
                        text.Append("\\\"");
                        break;
                    case (byte)'\n':
                        text.Append("\\n");
                        break;
                    case (byte)'\r':
                        text.Append("\\r");
                        break;
                    case (byte)'\t':
                        text.Append("\\t");
                        break;
                    case 7:
                        text.Append("\\a");
                        break;
                    case 8:
                        text.Append("\\b");
                        break;
                    default:
                        if (b >= 0x20 && b < 0x7f)
                        {
                            text.Append((char)b);
                        }
                        else
                        {
                            text.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
                        }

                        break;
                }
            }

            return text.Append('"').ToString();
        }
    }
}
