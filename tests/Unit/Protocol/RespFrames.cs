using System.Text;
using RedisCluster.Engine.Protocol;

namespace RedisCluster.Tests.Protocol
{
    /// <summary>
    /// Catalogue of valid frames and the value each must parse to, shared by the type, split and
    /// fuzz tests (the fuzz test mutates these).
    /// </summary>
    internal static class RespFrames
    {
        public static readonly IReadOnlyDictionary<string, (byte[] Wire, RespValue Expected)> All = Build();

        public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

        public static RespValue Simple(string s) => RespValue.SimpleString(s);

        public static RespValue Err(string s) => RespValue.Error(s);

        public static RespValue Int(long n) => RespValue.FromInteger(n);

        public static RespValue Bulk(string s) => RespValue.BulkString(s);

        public static RespValue Bulk(byte[] b) => RespValue.BulkString(b);

        public static RespValue Dbl(double d) => RespValue.FromDouble(d);

        public static RespValue Big(string s) => RespValue.Create(RespType.BigNumber, Encoding.ASCII.GetBytes(s));

        public static RespValue BulkErr(string s) => RespValue.Create(RespType.BulkError, Encoding.UTF8.GetBytes(s));

        public static RespValue Verbatim(string format, string s) => RespValue.Create(RespType.VerbatimString, Encoding.UTF8.GetBytes(s), verbatimFormat: format);

        public static RespValue Arr(params RespValue[] items) => RespValue.Array(items);

        public static RespValue Map(params RespValue[] flat) => RespValue.Create(RespType.Map, null, items: flat);

        public static RespValue Set(params RespValue[] items) => RespValue.Create(RespType.Set, null, items: items);

        public static RespValue Push(params RespValue[] items) => RespValue.Create(RespType.Push, null, items: items);

        public static RespValue Attrs(params RespValue[] flat) => RespValue.Create(RespType.Attribute, null, items: flat);

        private static Dictionary<string, (byte[], RespValue)> Build()
        {
            var d = new Dictionary<string, (byte[], RespValue)>();
            void Add(string name, string wire, RespValue expected) => d.Add(name, (Encoding.UTF8.GetBytes(wire), expected));
            void AddBytes(string name, byte[] wire, RespValue expected) => d.Add(name, (wire, expected));

            Add("simple", "+OK\r\n", Simple("OK"));
            Add("simple-empty", "+\r\n", Simple(""));
            Add("simple-utf8", "+héllo wörld ✓\r\n", Simple("héllo wörld ✓"));
            Add("error", "-ERR unknown command 'foo'\r\n", Err("ERR unknown command 'foo'"));
            Add("error-moved", "-MOVED 3999 127.0.0.1:6381\r\n", Err("MOVED 3999 127.0.0.1:6381"));
            Add("int-zero", ":0\r\n", Int(0));
            Add("int", ":1000\r\n", Int(1000));
            Add("int-negative", ":-42\r\n", Int(-42));
            Add("int-max", ":9223372036854775807\r\n", Int(long.MaxValue));
            Add("int-min", ":-9223372036854775808\r\n", Int(long.MinValue));
            Add("bulk", "$5\r\nhello\r\n", Bulk("hello"));
            Add("bulk-empty", "$0\r\n\r\n", Bulk(""));
            Add("bulk-crlf-inside", "$6\r\na\r\nb\r\n\r\n", Bulk("a\r\nb\r\n"));
            AddBytes("bulk-binary", new byte[] { (byte)'$', (byte)'4', 13, 10, 0, 0xff, 13, 0x80, 13, 10 }, Bulk(new byte[] { 0, 0xff, 13, 0x80 }));
            Add("bulk-null", "$-1\r\n", RespValue.NullBulkString);
            Add("array", "*2\r\n$3\r\nfoo\r\n$3\r\nbar\r\n", Arr(Bulk("foo"), Bulk("bar")));
            Add("array-empty", "*0\r\n", Arr());
            Add("array-null", "*-1\r\n", RespValue.NullArray);
            Add("array-nested", "*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Foo\r\n-Bar\r\n", Arr(Arr(Int(1), Int(2), Int(3)), Arr(Simple("Foo"), Err("Bar"))));
            Add("array-null-items", "*4\r\n$-1\r\n*-1\r\n_\r\n*0\r\n", Arr(RespValue.NullBulkString, RespValue.NullArray, RespValue.Null, Arr()));
            Add("array-deep-64", string.Concat(Enumerable.Repeat("*1\r\n", 63)) + "*0\r\n", Nest(63, Arr()));
            Add("null", "_\r\n", RespValue.Null);
            Add("true", "#t\r\n", RespValue.True);
            Add("false", "#f\r\n", RespValue.False);
            Add("double", ",1.23\r\n", Dbl(1.23));
            Add("double-integral", ",10\r\n", Dbl(10));
            Add("double-negative", ",-0.5\r\n", Dbl(-0.5));
            Add("double-inf", ",inf\r\n", Dbl(double.PositiveInfinity));
            Add("double-plus-inf", ",+inf\r\n", Dbl(double.PositiveInfinity));
            Add("double-neg-inf", ",-inf\r\n", Dbl(double.NegativeInfinity));
            Add("double-nan", ",nan\r\n", Dbl(double.NaN));
            Add("double-exp", ",1.5e10\r\n", Dbl(1.5e10));
            Add("double-exp-upper-negative", ",1.5E-3\r\n", Dbl(1.5e-3));
            Add("double-exp-signed", ",-2e+5\r\n", Dbl(-2e5));
            Add("double-pi", ",3.141592653589793\r\n", Dbl(3.141592653589793));
            Add("bignumber", "(3492890328409238509324850943850943825024385\r\n", Big("3492890328409238509324850943850943825024385"));
            Add("bignumber-negative", "(-123\r\n", Big("-123"));
            Add("bulk-error", "!21\r\nSYNTAX invalid syntax\r\n", BulkErr("SYNTAX invalid syntax"));
            Add("bulk-error-crlf-inside", "!8\r\nERR a\r\nb\r\n", BulkErr("ERR a\r\nb"));
            Add("verbatim", "=15\r\ntxt:Some string\r\n", Verbatim("txt", "Some string"));
            Add("verbatim-empty", "=4\r\nmkd:\r\n", Verbatim("mkd", ""));
            Add("map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", Map(Simple("first"), Int(1), Simple("second"), Int(2)));
            Add("map-empty", "%0\r\n", Map());
            Add("map-nested", "%1\r\n$4\r\nkeys\r\n*2\r\n%1\r\n+a\r\n#t\r\n~1\r\n,2.5\r\n", Map(Bulk("keys"), Arr(Map(Simple("a"), RespValue.True), Set(Dbl(2.5)))));
            Add("set", "~3\r\n+a\r\n+b\r\n+c\r\n", Set(Simple("a"), Simple("b"), Simple("c")));
            Add("set-empty", "~0\r\n", Set());
            Add(
                "attribute",
                "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
                Arr(Int(2039123), Int(9543892)).WithAttributes(Attrs(Simple("key-popularity"), Map(Bulk("a"), Dbl(0.1923), Bulk("b"), Dbl(0.0012)))));
            Add("attribute-inside-array", "*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n", Arr(Int(1).WithAttributes(Attrs(Simple("ttl"), Int(3600))), Int(2)));
            Add("attribute-empty-on-null", "|0\r\n_\r\n", RespValue.Null.WithAttributes(Attrs()));
            Add("push", ">3\r\n$7\r\nmessage\r\n$7\r\nchannel\r\n$5\r\nhello\r\n", Push(Bulk("message"), Bulk("channel"), Bulk("hello")));
            Add("push-empty", ">0\r\n", Push());
            return d;
        }

        private static RespValue Nest(int levels, RespValue inner)
        {
            for (int i = 0; i < levels; i++)
            {
                inner = Arr(inner);
            }

            return inner;
        }
    }
}
