import { expect } from "chai";
import { Errors } from "moleculer";
import { toErrorResponse } from "../../../services/api/errors.ts";
import { ClientError } from "../../../core/errors.ts";

describe("gateway error responses", () => {
  it("keeps a client error's status, code and data", () => {
    const { status, body } = toErrorResponse(
      new ClientError("NOT_FOUND", "Dataset not found", { id: "x" }) as never,
      "r1",
      false,
    );
    expect(status).to.equal(404);
    expect(body).to.deep.equal({
      error: { code: "NOT_FOUND", message: "Dataset not found", requestId: "r1", data: { id: "x" } },
    });
  });

  it("reports parameter validation failures as VALIDATION_ERROR 422", () => {
    const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [{ field: "name" }]);
    const { status, body } = toErrorResponse(err as never, undefined, false);
    expect(status).to.equal(422);
    expect(body.error.code).to.equal("VALIDATION_ERROR");
  });

  it("hides the details of server faults in production", () => {
    const { status, body } = toErrorResponse(new Error("connection string postgres://secret") as never, "r2", false);
    expect(status).to.equal(500);
    expect(body.error).to.deep.equal({ code: "INTERNAL_ERROR", message: "Internal server error", requestId: "r2" });
  });

  it("reports a service that no node runs as 503", () => {
    const { status, body } = toErrorResponse(
      new Errors.ServiceNotFoundError({ action: "x.y" }) as never,
      undefined,
      true,
    );
    expect(status).to.equal(503);
    expect(body.error.code).to.equal("SERVICE_UNAVAILABLE");
  });

  it("maps body-parser limits to 413", () => {
    const err = Object.assign(new Error("request entity too large"), { status: 413, type: "entity.too.large" });
    expect(toErrorResponse(err as never, undefined, false).status).to.equal(413);
  });
});
