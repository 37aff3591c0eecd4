# The module graph, written once: `agentrace_module(<module> <modules it may include>...)`,
# lowest first, so a module may only name modules declared above it. Each module is one
# static library over src/<module>/*.cpp that links exactly the modules it names and sees
# only their headers (and theirs, transitively): an include of any other module fails the
# build. scripts/check-deps reads these lines and names the file:line of such an include.
# docs/architecture.md draws this graph.
agentrace_module(core)
agentrace_module(record core)
agentrace_module(net core)
agentrace_module(wire core)
agentrace_module(render core)
agentrace_module(suite core)
agentrace_module(store core record)
agentrace_module(proc core)
agentrace_module(sandbox core proc)
agentrace_module(workspace core proc sandbox suite)
agentrace_module(env core proc sandbox suite)
agentrace_module(proxy core net wire)
agentrace_module(sim core net proxy suite wire)
agentrace_module(agent core net proc wire)
agentrace_module(grade core net proc record sandbox store suite wire workspace)
agentrace_module(scaffold core proc record sandbox suite workspace)
agentrace_module(race core env grade net proc proxy record sandbox scaffold store suite workspace)
agentrace_module(report core grade record render store)
agentrace_module(speed core net render wire)
agentrace_module(interop core env grade proc race sandbox store suite workspace)
agentrace_module(cluster core proc race store suite)
# src/app (the agentrace binary) sits on top and may include every module.
