"""Drives a CORA MCP server with the official Python MCP SDK, over Streamable HTTP or stdio.

Usage: mcp_client_check.py http <url> <principal>
       mcp_client_check.py bearer <url> <access token>
       mcp_client_check.py stdio <cora executable> <principal> <CORA_DATABASE_URL>
       mcp_client_check.py register <cora executable> <principal> <CORA_DATABASE_URL> <idempotency key>
Prints one JSON line with what it saw; exits non-zero on any surprise. `register` registers one fixed
Dataset under the key and prints {"dataset_id": …}; CORA_IDEMPOTENCY_TTL passes through to the server.
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

CHECKSUM = "0123456789abcdef" * 4


def dump(result):
    return result.model_dump(by_alias=True, exclude_none=True)


async def exercise(read, write):
    seen = {}
    async with ClientSession(read, write) as session:
        info = await session.initialize()
        seen["server"] = info.serverInfo.name if hasattr(info, "serverInfo") else dump(info)["serverInfo"]["name"]
        seen["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
        registered = dump(await session.call_tool("register_dataset", {
            "idempotency_key": "python-sdk-1", "name": "Reconstruction of pellet B-12", "uri": "s3://bucket/recon.h5",
            "checksum": {"algorithm": "sha256", "value": CHECKSUM}, "byte_size": 4831838208,
            "encoding": {"media_type": "application/x-hdf5", "conforms_to": ["https://manual.nexusformat.org/classes/applications/NXtomo"]},
            "used_calibrations": ["0193a000-0000-7000-8000-000000000001"],
        }))
        assert not registered.get("isError"), registered
        dataset_id = registered["structuredContent"]["dataset_id"]
        assert json.loads(registered["content"][0]["text"]) == registered["structuredContent"]
        promoted = dump(await session.call_tool("promote_dataset", {"dataset_id": dataset_id, "reason": "QA passed"}))
        assert promoted["structuredContent"]["intent"] == "Production", promoted
        fetched = dump(await session.call_tool("get_dataset", {"dataset_id": dataset_id}))
        assert fetched["structuredContent"]["version"] == 2, fetched
        listed = dump(await session.call_tool("list_datasets", {"used_calibrations": ["0193a000-0000-7000-8000-000000000001"]}))
        assert [item["dataset_id"] for item in listed["structuredContent"]["items"]] == [dataset_id], listed
        refused = dump(await session.call_tool("promote_dataset", {"dataset_id": dataset_id, "reason": "again"}))
        assert refused.get("isError") is True and refused["structuredContent"]["code"] == "DatasetAlreadyPromoted", refused
        assert refused["content"][0]["text"].startswith("DatasetAlreadyPromoted: "), refused
        missing = dump(await session.call_tool("register_dataset", {"name": "x"}))
        assert missing["structuredContent"]["code"] == "IdempotencyKeyMissing", missing
        seen["dataset_id"] = dataset_id
        seen["refusal"] = refused["structuredContent"]["code"]
    return seen


async def register_once(read, write, key):
    async with ClientSession(read, write) as session:
        await session.initialize()
        registered = dump(await session.call_tool("register_dataset", {
            "idempotency_key": key, "name": "Registered once", "uri": "s3://bucket/once.h5",
            "checksum": {"algorithm": "sha256", "value": CHECKSUM}, "byte_size": 1, "encoding": {"media_type": "application/x-hdf5"},
        }))
        assert not registered.get("isError"), registered
        return {"dataset_id": registered["structuredContent"]["dataset_id"]}


async def main():
    mode = sys.argv[1]
    if mode == "register":
        executable, principal, database, key = sys.argv[2:6]
        environment = {"CORA_DATABASE_URL": database}
        if "CORA_IDEMPOTENCY_TTL" in os.environ:
            environment["CORA_IDEMPOTENCY_TTL"] = os.environ["CORA_IDEMPOTENCY_TTL"]
        parameters = StdioServerParameters(command=executable, args=["mcp", "--principal", principal, "--log-level", "error"], env=environment)
        async with stdio_client(parameters) as streams:
            print(json.dumps(await register_once(streams[0], streams[1], key)))
        return
    if mode in ("http", "bearer"):
        url, credential = sys.argv[2], sys.argv[3]
        headers = {"X-Principal-Id": credential} if mode == "http" else {"Authorization": f"Bearer {credential}"}
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                seen = await exercise(streams[0], streams[1])
    else:
        executable, principal, database = sys.argv[2], sys.argv[3], sys.argv[4]
        parameters = StdioServerParameters(command=executable, args=["mcp", "--principal", principal, "--log-level", "error"],
                                           env={"CORA_DATABASE_URL": database})
        async with stdio_client(parameters) as streams:
            seen = await exercise(streams[0], streams[1])
    print(json.dumps(seen))


asyncio.run(main())
