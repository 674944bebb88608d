using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>Deep structural comparison of parsed values; RespValue has no equality of its own.</summary>
    internal static class RespAssert
    {
        public static void Equal(RespValue expected, RespValue actual) => Equal(expected, actual, "$");

        private static void Equal(RespValue expected, RespValue actual, string path)
        {
            Assert.True(expected.Type == actual.Type, path + ": expected type " + expected.Type + ", got " + actual.Type);
            Assert.True(expected.IsNull == actual.IsNull, path + ": expected IsNull " + expected.IsNull + ", got " + actual.IsNull);
            Assert.True(expected.VerbatimFormat == actual.VerbatimFormat, path + ": verbatim format " + expected.VerbatimFormat + " vs " + actual.VerbatimFormat);

            if (expected.Attributes == null || actual.Attributes == null)
            {
                Assert.True(expected.Attributes == null && actual.Attributes == null, path + ": attributes present on one side only");
            }
            else
            {
                Equal(expected.Attributes, actual.Attributes, path + ".attributes");
            }

            switch (expected.Type)
            {
                case RespType.Integer:
                case RespType.Boolean:
                    Assert.True(expected.Integer == actual.Integer, path + ": expected " + expected.Integer + ", got " + actual.Integer);
                    break;
                case RespType.Double:
                    double e = expected.Double;
                    double a = actual.Double;
                    Assert.True(double.IsNaN(e) ? double.IsNaN(a) : e.Equals(a), path + ": expected " + e + ", got " + a);
                    break;
                case RespType.Null:
                    break;
                default:
                    if (expected.IsAggregate)
                    {
                        Assert.True(expected.Items.Count == actual.Items.Count, path + ": expected " + expected.Items.Count + " items, got " + actual.Items.Count);
                        for (int i = 0; i < expected.Items.Count; i++)
                        {
                            Equal(expected.Items[i], actual.Items[i], path + "[" + i + "]");
                        }
                    }
                    else
                    {
                        byte[]? eb = expected.GetBytes();
                        byte[]? ab = actual.GetBytes();
                        Assert.True(
                            eb == null ? ab == null : ab != null && eb.AsSpan().SequenceEqual(ab),
                            path + ": expected bytes '" + expected.GetString() + "', got '" + actual.GetString() + "'");
                    }

                    break;
            }
        }
    }
}
