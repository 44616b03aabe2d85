"""The asyncio variant against the real host."""

from __future__ import annotations

import asyncio

import pytest

from codex_manager_sdk import NotFound
from codex_manager_sdk.aio import AsyncClient


def test_async_send_and_wait_and_events(host):
    async def main():
        async with AsyncClient(url=host.url, data_dir=host.data_dir) as cm:
            assert (await cm.call("health"))["status"] == "ok"
            s = await cm.create_session(host.work_dir, title="async")
            result = await cm.send_and_wait(s.id, "hello async")
            assert result.status == "completed" and result.text == "You said: hello async"
            seen = []
            async for ev in cm.events(0, sessions=[s.id], types=["turn."]):
                seen.append(ev.type)
                if ev.type == "turn.completed":
                    break
            assert seen[0] == "turn.started"
            with pytest.raises(NotFound):
                await cm.get_job("01a00000-0000-7000-8000-000000000000")

    asyncio.run(main())


def test_async_wait_reads_the_turn_record(host):
    async def main():
        async with AsyncClient(url=host.url, data_dir=host.data_dir) as cm:
            s = await cm.create_session(host.work_dir, title="async record")
            result = await cm.send_and_wait(s.id, "hello record")
            record = await cm.turn(s.id, result.turn_id, wait=1)
            assert record.ended and (result.status, result.text) == (record.status, record.final_text)
            assert result.text == "You said: hello record"

    asyncio.run(main())


def test_async_callbacks_answer_requests_and_async_functions_serve_tools(host):
    """What only the asyncio client has: coroutine callbacks and ``async def`` tools."""
    from codex_manager_sdk import ToolRegistry

    async def main():
        async with AsyncClient(url=host.url, data_dir=host.data_dir, client_label="aio") as cm:
            s = await cm.sessions.create(host.work_dir)
            answered = []

            async def on_request(req):
                answered.append(await cm.requests.approve(req))

            result = await cm.turns.send_and_wait(s.id, "run it scenario:approval", on_request=on_request, timeout=60)
            assert result.text == "Command finished." and answered[0].decided_by == "aio"

            tools = ToolRegistry()

            @tools.register
            async def lookup(input: str) -> str:
                await asyncio.sleep(0)
                return f"async:{input}"

            t = await cm.sessions.create(host.work_dir, dynamic_tools=tools)
            async with cm.tools.serve(t.id, tools) as server:
                done = await cm.turns.send_and_wait(t.id, "scenario:tool:lookup hi", timeout=60)
            assert done.text == "Tool said: async:hi" and len(server.answered) == 1
            async for page_session in cm.sessions.iter(limit=1):
                assert page_session.id
                break

    asyncio.run(main())
