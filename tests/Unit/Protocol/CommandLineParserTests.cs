using System.Text;
using RedisCluster.Engine.Protocol;
using Xunit;

namespace RedisCluster.Tests.Protocol
{
    public class CommandLineParserTests
    {
        [Theory]
        [InlineData("")]
        [InlineData("   ")]
        [InlineData(" \t\r\n\v\f ")]
        public void Empty_or_blank_line_gives_no_arguments(string line)
        {
            Assert.Empty(CommandLineParser.Parse(line));
        }

        [Theory]
        [InlineData("PING", new[] { "PING" })]
        [InlineData("SET key value", new[] { "SET", "key", "value" })]
        [InlineData("  SET \t key\r\nvalue  ", new[] { "SET", "key", "value" })]
        [InlineData("GET\vkey", new[] { "GET\vkey" })]
        [InlineData("\vGET\fkey", new[] { "GET\fkey" })]
        [InlineData("a\\nb c\\d", new[] { "a\\nb", "c\\d" })]
        public void Whitespace_separates_arguments_and_backslashes_outside_quotes_are_literal(string line, string[] expected)
        {
            AssertArgs(expected, line);
        }

        [Theory]
        [InlineData("SET \"hello world\" x", new[] { "SET", "hello world", "x" })]
        [InlineData("\"\"", new[] { "" })]
        [InlineData("a \"\" b", new[] { "a", "", "b" })]
        [InlineData("\"a\\nb\\rc\\td\\be\\af\"", new[] { "a\nb\rc\td\be\af" })]
        [InlineData("\"q\\\"uote\\\\back\"", new[] { "q\"uote\\back" })]
        [InlineData("\"\\z\\'\\x\"", new[] { "z'x" })]
        [InlineData("\"\\x41\\x4a\\x4B\\x7e\"", new[] { "AJK~" })]
        [InlineData("\"\\x4\"", new[] { "x4" })]
        [InlineData("\"\\xZZ\"", new[] { "xZZ" })]
        [InlineData("\"it's\"", new[] { "it's" })]
        [InlineData("foo\"bar baz\"", new[] { "foobar baz" })]
        [InlineData("\"a\"\t\"b\"", new[] { "a", "b" })]
        [InlineData("\"a\"\v\"b\"", new[] { "a", "b" })]
        public void Double_quotes_group_and_support_escapes(string line, string[] expected)
        {
            AssertArgs(expected, line);
        }

        [Fact]
        public void Hex_escape_produces_raw_bytes_that_need_not_be_utf8()
        {
            var args = CommandLineParser.Parse("SET k \"\\x00\\xff\\xC3\\x28\"");
            Assert.Equal(new byte[] { 0x00, 0xff, 0xc3, 0x28 }, args[2]);
        }

        [Theory]
        [InlineData("'hello world'", new[] { "hello world" })]
        [InlineData("''", new[] { "" })]
        [InlineData("'it\\'s'", new[] { "it's" })]
        [InlineData("'a\\nb\\x41\\\"'", new[] { "a\\nb\\x41\\\"" })]
        [InlineData("'a\\\\ '", new[] { "a\\\\ " })]
        [InlineData("'say \"hi\"'", new[] { "say \"hi\"" })]
        [InlineData("pre'fix' x", new[] { "prefix", "x" })]
        public void Single_quotes_group_and_only_escape_single_quote(string line, string[] expected)
        {
            AssertArgs(expected, line);
        }

        [Fact]
        public void Text_is_utf8_encoded_including_characters_outside_the_bmp()
        {
            var args = CommandLineParser.Parse("SET ключ \"värde 😀\" '✓'");
            Assert.Equal(Encoding.UTF8.GetBytes("ключ"), args[1]);
            Assert.Equal(Encoding.UTF8.GetBytes("värde 😀"), args[2]);
            Assert.Equal(Encoding.UTF8.GetBytes("✓"), args[3]);
        }

        [Fact]
        public void Escaped_non_ascii_character_stands_for_itself()
        {
            Assert.Equal(Encoding.UTF8.GetBytes("é😀"), CommandLineParser.Parse("\"\\é\\😀\"")[0]);
        }

        [Theory]
        [InlineData("GET \"key", 5, "double quote at column 5 is never closed")]
        [InlineData("GET 'key", 5, "single quote at column 5 is never closed")]
        [InlineData("\"", 1, "double quote at column 1 is never closed")]
        [InlineData("a\"b", 2, "double quote at column 2 is never closed")]
        [InlineData("\"abc\\\"", 1, "double quote at column 1 is never closed")]
        [InlineData("\"abc\\", 1, "double quote at column 1 is never closed")]
        [InlineData("'it\\'", 1, "single quote at column 1 is never closed")]
        [InlineData("\"it's", 1, "double quote at column 1 is never closed")]
        [InlineData("c\\\"d", 3, "double quote at column 3 is never closed")]
        [InlineData("'a\\\\'", 1, "single quote at column 1 is never closed")]
        public void Unbalanced_quotes_are_an_error_naming_the_opening_column(string line, int column, string message)
        {
            var e = Assert.Throws<CommandLineParseException>(() => CommandLineParser.Parse(line));
            Assert.Equal(column, e.Column);
            Assert.Contains("Unbalanced quotes", e.Message, StringComparison.Ordinal);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("SET \"a\"b", 7, "closing double quote at column 7")]
        [InlineData("SET 'a'b", 7, "closing single quote at column 7")]
        [InlineData("\"a\"\"b\"", 3, "closing double quote at column 3")]
        [InlineData("'a''b'", 3, "closing single quote at column 3")]
        [InlineData("\"\"x", 2, "closing double quote at column 2")]
        public void Closing_quote_glued_to_more_text_is_an_error_naming_its_column(string line, int column, string message)
        {
            var e = Assert.Throws<CommandLineParseException>(() => CommandLineParser.Parse(line));
            Assert.Equal(column, e.Column);
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
            Assert.Contains("must be followed by a space or the end of the line", e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void Parse_error_is_a_format_exception()
        {
            Assert.IsAssignableFrom<FormatException>(Assert.Throws<CommandLineParseException>(() => CommandLineParser.Parse("'")));
        }

        [Fact]
        public void Null_line_is_rejected()
        {
            Assert.Throws<ArgumentNullException>(() => CommandLineParser.Parse(null!));
        }

        private static void AssertArgs(string[] expected, string line)
        {
            var actual = CommandLineParser.Parse(line).Select(a => Encoding.UTF8.GetString(a)).ToArray();
            Assert.Equal(expected, actual);
        }
    }
}
