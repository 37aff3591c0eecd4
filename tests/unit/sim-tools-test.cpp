// Reading each agent CLI's real request shape (fixtures modelled on
// docs/notes agent-clis.md) and translating generic tool steps into its own tools.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/shell.hpp"
#include "sim/conversation.hpp"
#include "sim/responder.hpp"
#include "sim/tools.hpp"
#include "support/test-support.hpp"

namespace sim = agentrace::sim;
namespace wire = agentrace::wire;
using Json = nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
  return agentrace::core::read_file(agentrace::test::data_dir() / "sim" / (name + ".json"));
}

sim::Conversation read(const std::string& name, wire::Protocol protocol) {
  return sim::read_conversation(protocol, fixture(name));
}

Json args_of(const wire::ToolCall& call) { return Json::parse(call.arguments); }

const sim::ToolStep shell_step{sim::ToolKind::shell, "ls -la", "", ""};
const sim::ToolStep write_step{sim::ToolKind::write_file, "", "src/sum.py", "x = 1\n"};
const sim::ToolStep read_step{sim::ToolKind::read_file, "", "sum.py", ""};

wire::ToolCall call(const sim::Conversation& c, const sim::ToolStep& step) {
  auto out = sim::translate(step, c.tools, c.cwd, "id1");
  EXPECT_TRUE(out.has_value());
  return out.value_or(wire::ToolCall{});
}

// The fixture cut before its first assistant message: the conversation's first request.
std::string first_request(const std::string& name, const char* list) {
  Json body = Json::parse(fixture(name));
  Json& items = body[list];
  for (std::size_t i = 0; i < items.size(); ++i) {
    const bool assistant = items[i].value("role", "") == "assistant" || items[i].value("type", "") == "reasoning";
    if (assistant) {
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(i), items.end());
      break;
    }
  }
  return body.dump();
}

}  // namespace

TEST(SimTools, ClaudeCode) {
  const auto c = read("claude-code", wire::Protocol::anthropic_messages);
  EXPECT_TRUE(c.valid);
  EXPECT_TRUE(c.stream);
  EXPECT_EQ(c.model, "claude-sonnet-4-5");
  EXPECT_EQ(c.assistant_turns, 1u);  // the role:"system" entry neither starts nor ends a turn
  EXPECT_EQ(c.cwd, "/work/ws/attempt-1");
  EXPECT_EQ(c.tools.size(), 7u);
  ASSERT_EQ(c.user_texts.size(), 1u);  // the tool result is not user text
  EXPECT_NE(c.user_texts[0].find("sum() of an empty list"), std::string::npos);

  const auto sh = call(c, shell_step);
  EXPECT_EQ(sh.name, "Bash");
  EXPECT_EQ(args_of(sh)["command"], "ls -la");
  EXPECT_EQ(args_of(sh)["description"], "Run ls -la");
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "Write");
  EXPECT_EQ(args_of(w), (Json{{"file_path", "/work/ws/attempt-1/src/sum.py"}, {"content", "x = 1\n"}}));
  const auto r = call(c, read_step);
  EXPECT_EQ(r.name, "Read");
  EXPECT_EQ(args_of(r), (Json{{"file_path", "/work/ws/attempt-1/sum.py"}}));

  EXPECT_EQ(sim::read_conversation(wire::Protocol::anthropic_messages, first_request("claude-code", "messages")).assistant_turns, 0u);
}

TEST(SimTools, Opencode) {
  const auto c = read("opencode", wire::Protocol::openai_chat);
  EXPECT_TRUE(c.include_usage);
  EXPECT_EQ(c.assistant_turns, 1u);
  EXPECT_EQ(c.cwd, "/work/ws/attempt-2");
  const auto sh = call(c, shell_step);
  EXPECT_EQ(sh.name, "bash");
  EXPECT_EQ(args_of(sh)["command"], "ls -la");
  EXPECT_TRUE(args_of(sh).contains("description"));  // required by its schema
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "write");
  EXPECT_EQ(args_of(w), (Json{{"filePath", "/work/ws/attempt-2/src/sum.py"}, {"content", "x = 1\n"}}));
  const auto r = call(c, read_step);
  EXPECT_EQ(r.name, "read");
  EXPECT_EQ(args_of(r), (Json{{"filePath", "sum.py"}}));  // its schema does not ask for an absolute path
  EXPECT_EQ(sim::read_conversation(wire::Protocol::openai_chat, first_request("opencode", "messages")).assistant_turns, 0u);
}

TEST(SimTools, Codex) {
  const auto c = read("codex", wire::Protocol::openai_responses);
  EXPECT_EQ(c.assistant_turns, 1u);  // reasoning + function_call: one turn
  EXPECT_EQ(c.cwd, "/work/ws/attempt-3");
  EXPECT_EQ(c.user_texts.size(), 2u);  // environment context, then the prompt
  EXPECT_EQ(c.tools.size(), 6u);       // custom, web_search and namespace tools too
  const auto sh = call(c, shell_step);
  EXPECT_EQ(sh.name, "exec_command");
  EXPECT_EQ(args_of(sh), (Json{{"cmd", "ls -la"}}));
  // No write or read tool: a shell command in exec_command.
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "exec_command");
  EXPECT_EQ(args_of(w)["cmd"], "mkdir -p 'src' && cat > 'src/sum.py' <<'AGENTRACE_EOF'\nx = 1\nAGENTRACE_EOF");
  const auto r = call(c, read_step);
  EXPECT_EQ(args_of(r)["cmd"], "cat 'sum.py'");
  EXPECT_EQ(sim::read_conversation(wire::Protocol::openai_responses, first_request("codex", "input")).assistant_turns, 0u);
}

TEST(SimTools, CodexShellWithArgv) {
  sim::OfferedTool tool{"shell", {{"command", "array", true}, {"workdir", "string", false}}, false};
  const auto sh = sim::translate(shell_step, {tool}, "", "id").value();
  EXPECT_EQ(sh.name, "shell");
  EXPECT_EQ(args_of(sh), (Json{{"command", {"bash", "-lc", "ls -la"}}}));
}

TEST(SimTools, QwenCode) {
  const auto c = read("qwen-code", wire::Protocol::openai_chat);
  EXPECT_EQ(c.assistant_turns, 1u);  // its set-up exchange ("Got it.") is no turn
  EXPECT_EQ(c.cwd, "/work/ws/attempt-4");
  EXPECT_EQ(c.user_texts.size(), 2u);
  const auto sh = call(c, shell_step);
  EXPECT_EQ(sh.name, "run_shell_command");
  EXPECT_EQ(args_of(sh), (Json{{"command", "ls -la"}, {"description", "Run ls -la"}, {"is_background", false}}));
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "write_file");
  EXPECT_EQ(args_of(w), (Json{{"file_path", "/work/ws/attempt-4/src/sum.py"}, {"content", "x = 1\n"}}));
  const auto r = call(c, read_step);
  EXPECT_EQ(r.name, "read_file");
  EXPECT_EQ(args_of(r), (Json{{"absolute_path", "/work/ws/attempt-4/sum.py"}}));
}

TEST(SimTools, BuiltInAgent) {
  const auto c = read("builtin", wire::Protocol::openai_chat);
  EXPECT_FALSE(c.stream);
  EXPECT_EQ(c.assistant_turns, 1u);
  EXPECT_EQ(c.cwd, "");
  EXPECT_EQ(args_of(call(c, shell_step)), (Json{{"command", "ls -la"}}));
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "write_file");
  EXPECT_EQ(args_of(w), (Json{{"path", "src/sum.py"}, {"content", "x = 1\n"}}));
  EXPECT_EQ(args_of(call(c, read_step)), (Json{{"path", "sum.py"}}));
}

TEST(SimTools, AbsolutePathWithoutAKnownCwdFallsBackToShell) {
  auto c = read("claude-code", wire::Protocol::anthropic_messages);
  c.cwd.clear();
  const auto w = call(c, write_step);
  EXPECT_EQ(w.name, "Bash");
  EXPECT_NE(args_of(w)["command"].get<std::string>().find("cat > 'src/sum.py'"), std::string::npos);
}

TEST(SimTools, NoShellToolMeansNoCall) {
  EXPECT_FALSE(sim::translate(shell_step, {}, "", "id"));
  EXPECT_FALSE(sim::translate(write_step, {sim::OfferedTool{"web_search", {}, false}}, "", "id"));
}

TEST(SimTools, ToolNamesWithoutSchemaUseTheirUsualArguments) {
  EXPECT_EQ(args_of(sim::translate(shell_step, {sim::OfferedTool{"exec_command", {}, false}}, "", "i").value()),
            (Json{{"cmd", "ls -la"}}));
  EXPECT_EQ(args_of(sim::translate(shell_step, {sim::OfferedTool{"Bash", {}, false}}, "", "i").value()),
            (Json{{"command", "ls -la"}, {"description", "Run ls -la"}}));
  EXPECT_EQ(args_of(sim::translate(shell_step, {sim::OfferedTool{"bash", {}, false}}, "", "i").value()),
            (Json{{"command", "ls -la"}}));
}

TEST(SimTools, ShellQuote) {
  EXPECT_EQ(agentrace::core::shell_quote("a b"), "'a b'");
  EXPECT_EQ(agentrace::core::shell_quote("it's"), "'it'\\''s'");
}

TEST(SimResponder, AnswersTheScriptTurnTheConversationReached) {
  sim::ScriptBook book;
  book.add(sim::Script{"sum", "sum() of an empty list",
                       {sim::Turn{"first", "", {shell_step}}, sim::Turn{"", "", {write_step, read_step}}}, "All done."});
  const auto c = read("opencode", wire::Protocol::openai_chat);  // one assistant turn so far
  const auto reply = sim::answer(c, book);
  EXPECT_EQ(reply.script, "sum");
  EXPECT_EQ(reply.turn_index, 1u);
  ASSERT_EQ(reply.turn.tool_calls.size(), 2u);
  EXPECT_EQ(reply.turn.tool_calls[0].name, "write");
  EXPECT_EQ(reply.turn.tool_calls[1].name, "read");
  EXPECT_NE(reply.turn.tool_calls[0].id, reply.turn.tool_calls[1].id);
  EXPECT_EQ(reply.turn.stop, wire::StopReason::tool_use);
  EXPECT_EQ(reply.turn.model, "qwen3-coder");
  EXPECT_EQ(*reply.turn.usage.input, static_cast<std::int64_t>(fixture("opencode").size() / 4));
  EXPECT_EQ(*reply.turn.usage.output, sim::output_tokens(reply.turn, 1));

  auto later = c;
  later.assistant_turns = 2;
  const auto final_reply = sim::answer(later, book);
  EXPECT_EQ(final_reply.turn.text, "All done.");
  EXPECT_TRUE(final_reply.turn.tool_calls.empty());
  EXPECT_EQ(final_reply.turn.stop, wire::StopReason::end_turn);
  EXPECT_EQ(*final_reply.turn.usage.output, 3);  // "All done." = 9 bytes
}

TEST(SimResponder, ToolTurnWithoutToolsOfferedBecomesText) {
  const auto c = sim::read_conversation(wire::Protocol::openai_chat,
                                        R"({"model":"m","messages":[{"role":"user","content":"title please"}]})");
  const auto reply = sim::answer(c, sim::ScriptBook{});
  EXPECT_EQ(reply.script, "default");
  EXPECT_EQ(reply.turn.text, "Done.");
  EXPECT_TRUE(reply.turn.tool_calls.empty());
}

TEST(SimResponder, MalformedBodyIsNotValid) {
  EXPECT_FALSE(sim::read_conversation(wire::Protocol::openai_chat, "{nope").valid);
  EXPECT_FALSE(sim::read_conversation(wire::Protocol::openai_chat, "[1]").valid);
}
