
export default function ({ data }) { sheets().put(data.id, data.sprite); }
